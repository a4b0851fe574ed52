/**
 * A small, independent frame builder (RFC 6455 §5.2) for actor tests, so they do not depend on
 * the codec's encoder, plus a decoder for the server's (unmasked) output frames.
 */

export const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d)

export const Op = { Cont: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 } as const

const utf8 = new TextEncoder()

/** One frame; masked with `MASK` unless `mask: undefined` is given explicitly. */
export const frame = (
  opcode: number,
  payload: Uint8Array | string,
  options: { readonly fin?: boolean; readonly mask?: Uint8Array | undefined } = { mask: MASK }
): Uint8Array => {
  const data = typeof payload === "string" ? utf8.encode(payload) : payload
  const mask = "mask" in options ? options.mask : MASK
  const n = data.length
  const extra = n < 126 ? 0 : n < 65536 ? 2 : 8
  const out = new Uint8Array(2 + extra + (mask ? 4 : 0) + n)
  out[0] = (options.fin === false ? 0 : 0x80) | opcode
  out[1] = (mask ? 0x80 : 0) | (n < 126 ? n : n < 65536 ? 126 : 127)
  const view = new DataView(out.buffer)
  if (extra === 2) view.setUint16(2, n)
  if (extra === 8) {
    view.setUint32(2, Math.floor(n / 2 ** 32))
    view.setUint32(6, n >>> 0)
  }
  let p = 2 + extra
  if (mask) {
    out.set(mask, p)
    p += 4
  }
  for (let i = 0; i < n; i++) out[p + i] = mask ? data[i]! ^ mask[i & 3]! : data[i]!
  return out
}

/** A close frame payload: 2-byte code + reason. */
export const closePayload = (code: number, reason = ""): Uint8Array => {
  const r = utf8.encode(reason)
  const out = new Uint8Array(2 + r.length)
  out[0] = code >>> 8
  out[1] = code & 0xff
  out.set(r, 2)
  return out
}

export const concat = (...parts: Array<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Splits `bytes` at the given sizes, cycling through them (odd boundaries). */
export const split = (bytes: Uint8Array, sizes: ReadonlyArray<number>): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let at = 0
  let i = 0
  while (at < bytes.length) {
    const n = sizes[i++ % sizes.length]!
    // Copies: the receiver owns (and unmasks in place) what it is given.
    out.push(bytes.slice(at, at + n))
    at += n
  }
  return out
}

export interface Decoded {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Uint8Array
}

/** Decodes a buffer of whole unmasked server frames. */
export const decodeFrames = (input: Uint8Array): Array<Decoded> => {
  const bytes = new Uint8Array(input) // a plain Uint8Array copy (not a Buffer) for deep equality
  const out: Array<Decoded> = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let p = 0
  while (p < bytes.length) {
    const b0 = bytes[p]!
    const b1 = bytes[p + 1]!
    if ((b1 & 0x80) !== 0) throw new Error("server frame is masked")
    let n = b1 & 0x7f
    p += 2
    if (n === 126) {
      n = view.getUint16(p)
      p += 2
    } else if (n === 127) {
      n = view.getUint32(p) * 2 ** 32 + view.getUint32(p + 4)
      p += 8
    }
    if (p + n > bytes.length) throw new Error("truncated frame")
    out.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: bytes.slice(p, p + n) })
    p += n
  }
  return out
}

/** Code and reason of a close frame's payload. */
export const parseClose = (payload: Uint8Array): { code: number | undefined; reason: string } =>
  payload.length === 0
    ? { code: undefined, reason: "" }
    : { code: (payload[0]! << 8) | payload[1]!, reason: new TextDecoder().decode(payload.subarray(2)) }
