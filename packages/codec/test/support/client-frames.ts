/**
 * A tiny, independent frame builder for tests (RFC 6455 §5.2), so parser tests do not depend on
 * frame-encoder.ts. Deliberately simple and byte-explicit.
 */
import { Opcode, Parser, ProtocolError } from "../../src/index.js"

export interface BuildOptions {
  readonly fin?: boolean
  readonly rsv?: number
  /** A 4-byte mask (client → server frames), or undefined for an unmasked frame. */
  readonly mask?: Uint8Array | undefined
  /** Force a length encoding (7, 16 or 64 bits) even when a shorter one would do. */
  readonly lengthBits?: 7 | 16 | 64
}

export const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) // the RFC 6455 §5.7 example key

/** Build one frame: header + (masked copy of) payload. */
export const frame = (opcode: number, payload: Uint8Array | string, options: BuildOptions = {}): Uint8Array => {
  const data = typeof payload === "string" ? new TextEncoder().encode(payload) : payload
  const fin = options.fin ?? true
  const rsv = options.rsv ?? 0
  const mask = options.mask
  const n = data.length
  const bits = options.lengthBits ?? (n < 126 ? 7 : n < 65536 ? 16 : 64)
  const extra = bits === 7 ? 0 : bits === 16 ? 2 : 8
  const out = new Uint8Array(2 + extra + (mask ? 4 : 0) + n)
  out[0] = (fin ? 0x80 : 0) | rsv | opcode
  out[1] = (mask ? 0x80 : 0) | (bits === 7 ? n : bits === 16 ? 126 : 127)
  if (bits === 16) {
    out[2] = n >>> 8
    out[3] = n & 0xff
  } else if (bits === 64) {
    const hi = Math.floor(n / 2 ** 32)
    new DataView(out.buffer).setUint32(2, hi)
    new DataView(out.buffer).setUint32(6, n >>> 0)
  }
  let p = 2 + extra
  if (mask) {
    out.set(mask, p)
    p += 4
  }
  for (let i = 0; i < n; i++) out[p + i] = mask ? data[i]! ^ mask[i & 3]! : data[i]!
  return out
}

/** A masked client frame (what a server receives). */
export const masked = (opcode: number, payload: Uint8Array | string, options: BuildOptions = {}) =>
  frame(opcode, payload, { mask: MASK, ...options })

export const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Everything a parser reported, in order (payloads copied into plain Uint8Arrays: chunks are reused in place, and Buffer vs Uint8Array must not matter to equality). */
export type Event =
  | { readonly type: "message"; readonly kind: Opcode.MessageKind; readonly data: Uint8Array; readonly rsv: number }
  | { readonly type: "ping" | "pong"; readonly data: Uint8Array }
  | { readonly type: "close"; readonly code: number; readonly reason: string }

export const recorder = () => {
  const events: Event[] = []
  const sink: Parser.Sink = {
    onMessage: (kind, data, rsv) => void events.push({ type: "message", kind, data: new Uint8Array(data), rsv }),
    onPing: (data) => void events.push({ type: "ping", data: new Uint8Array(data) }),
    onPong: (data) => void events.push({ type: "pong", data: new Uint8Array(data) }),
    onClose: (code, reason) => void events.push({ type: "close", code, reason })
  }
  return { events, sink }
}

/** Feed `bytes` split at the given cut points (copies, so the input may be reused). */
export const feed = (
  bytes: Uint8Array,
  cuts: ReadonlyArray<number> = [],
  options: Parser.Options = {}
): { events: Event[]; error: ProtocolError | undefined; errorAt: number; parser: Parser.FrameParser } => {
  const { events, sink } = recorder()
  const parser = new Parser.FrameParser(sink, options)
  let error: ProtocolError | undefined
  let errorAt = -1
  let prev = 0
  for (const cut of [...cuts, bytes.length]) {
    const e = parser.push(bytes.slice(prev, cut))
    if (e && !error) {
      error = e
      errorAt = cut
    }
    prev = cut
  }
  return { events, error, errorAt, parser }
}

/** Feed one byte per push; `errorAt` is the index of the byte whose push returned the error. */
export const feedBytewise = (bytes: Uint8Array, options: Parser.Options = {}) => {
  const cuts: number[] = []
  for (let i = 1; i < bytes.length; i++) cuts.push(i)
  const r = feed(bytes, cuts, options)
  return { ...r, errorAt: r.errorAt - 1 }
}

export const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** Events with payloads as base64 strings: deep-equality on big Uint8Arrays is slow in vitest. */
export const summary = (events: ReadonlyArray<Event>): string[] =>
  events.map((e) =>
    e.type === "close"
      ? `close ${e.code} ${e.reason}`
      : e.type === "message"
        ? `message ${e.kind} rsv${e.rsv} ${Buffer.from(e.data).toString("base64")}`
        : `${e.type} ${Buffer.from(e.data).toString("base64")}`
  )
