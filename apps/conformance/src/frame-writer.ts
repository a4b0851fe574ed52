/**
 * The raw client's frame encoder. It can produce any frame, including invalid ones: wrong or
 * missing masks, RSV bits, reserved opcodes, oversized control frames, lying length fields.
 */
import { randomBytes } from "node:crypto"

export interface FrameSpec {
  readonly opcode: number
  readonly payload?: Uint8Array | string
  readonly fin?: boolean // default true
  readonly rsv?: number // 0..7, RSV1 = 4, RSV2 = 2, RSV3 = 1
  /** true (default): random key; false: unmasked (invalid from a client, §5.1); or a fixed key. */
  readonly mask?: boolean | Uint8Array
  /** Put this value in the length field instead of the payload length (may be bigint > 2^53). */
  readonly lengthOverride?: number | bigint
}

export const toBytes = (p: Uint8Array | string | undefined): Buffer =>
  p === undefined ? Buffer.alloc(0) : typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p.buffer, p.byteOffset, p.length)

/** Encodes just the header (with the mask key when masked); returns it and the key. */
export const encodeHeader = (spec: FrameSpec, payloadLength: number): { header: Buffer; key: Buffer | undefined } => {
  const fin = spec.fin ?? true
  const rsv = spec.rsv ?? 0
  const mask = spec.mask ?? true
  const key = mask === false ? undefined : mask === true ? randomBytes(4) : Buffer.from(mask)
  const len = spec.lengthOverride !== undefined ? BigInt(spec.lengthOverride) : BigInt(payloadLength)
  // §5.2: 7-bit length if <= 125, else 126 + 16-bit, else 127 + 64-bit.
  const ext = len <= 125n ? 0 : len <= 0xffffn ? 2 : 8
  const header = Buffer.alloc(2 + ext + (key ? 4 : 0))
  header[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (spec.opcode & 0x0f)
  header[1] = (key ? 0x80 : 0) | (ext === 0 ? Number(len) : ext === 2 ? 126 : 127)
  if (ext === 2) header.writeUInt16BE(Number(len), 2)
  if (ext === 8) header.writeBigUInt64BE(len, 2)
  if (key) key.copy(header, 2 + ext)
  return { header, key }
}

export const maskInPlace = (data: Buffer, key: Uint8Array, offset = 0): Buffer => {
  for (let i = 0; i < data.length; i++) data[i]! ^= key[(i + offset) & 3]!
  return data
}

/** Encodes a complete frame. */
export const encodeFrame = (spec: FrameSpec): Buffer => {
  const payload = Buffer.from(toBytes(spec.payload)) // copy: masking mutates
  const { header, key } = encodeHeader(spec, payload.length)
  if (key) maskInPlace(payload, key)
  return Buffer.concat([header, payload])
}

/** Close frame payload: 2-byte code + reason (§5.5.1). */
export const closePayload = (code?: number, reason: Uint8Array | string = ""): Buffer => {
  if (code === undefined) return Buffer.alloc(0)
  const r = toBytes(reason)
  const b = Buffer.alloc(2 + r.length)
  b.writeUInt16BE(code, 0)
  r.copy(b, 2)
  return b
}

/** Payload of `length` bytes made by repeating `pattern` (like Autobahn's payload_len). */
export const repeatTo = (pattern: string | Uint8Array, length: number): Buffer => {
  const p = toBytes(pattern)
  const out = Buffer.allocUnsafe(length)
  if (length === 0) return out
  p.copy(out, 0, 0, Math.min(p.length, length))
  let filled = Math.min(p.length, length)
  while (filled < length) {
    const n = Math.min(filled, length - filled)
    out.copy(out, filled, 0, n)
    filled += n
  }
  return out
}
