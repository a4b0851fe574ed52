/**
 * The parser harness of the codec tests: feed bytes to a `Parser.FrameParser` in any chunking and
 * record what it reported. Frames are built with `@wspipe/test-frames`, an implementation
 * independent of the codec's encoder; {@link masked} is its client frame with the RFC's example
 * key, so every run sends the same bytes. Both builders return plain Uint8Array copies (not
 * Buffers, whose `slice` would share memory with a parser that unmasks in place).
 */
import { frame, MASK, type FrameOptions } from "@wspipe/test-frames"
import { type Opcode, Parser, type ProtocolError } from "../../src/index.js"

/** A client frame masked with the RFC 6455 §5.7 example key (what a server receives). */
export const masked = (opcode: number, payload: Uint8Array | string, options: FrameOptions = {}): Uint8Array =>
  new Uint8Array(frame(opcode, payload, { mask: MASK, ...options }))

/** An unmasked frame (what a client receives; a protocol error from a client). */
export const unmasked = (opcode: number, payload: Uint8Array | string, options: FrameOptions = {}): Uint8Array =>
  new Uint8Array(frame(opcode, payload, { ...options, mask: false }))

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

/** Feed `bytes` split at the given cut points (copies: the parser unmasks in place, and the input may be reused). */
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
    const e = parser.push(new Uint8Array(bytes.subarray(prev, cut)))
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
