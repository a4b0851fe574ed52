/**
 * Client frames, written from RFC 6455 §5.2 and §5.3 alone. Anything can be built, valid or not:
 * any FIN/RSV/opcode bits (reserved opcodes included), masked with a fresh random key (what a
 * client MUST do), a fixed key, or not at all, any length form, and a length field that lies about
 * the payload (up to 2^64 - 1, beyond what a JS number holds exactly), so servers can be fed every
 * malformed frame a peer could send.
 *
 * Frame layout (§5.2): byte 0 = FIN (0x80) | RSV1–3 (0x70) | opcode (0x0F); byte 1 = MASK (0x80) |
 * 7-bit length, where 126 announces a 16-bit and 127 a 64-bit network-order length; then the
 * 4-byte masking key when MASK is set; then the payload, masked as
 * `payload[i] XOR key[i % 4]` (§5.3).
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { toBytes } from "./bytes.js"

/**
 * The masking key of the RFC's examples (RFC 6455 §5.7): a deterministic key for byte-exact tests.
 *
 * @example
 * ```ts
 * frame(Op.Text, "Hello", { mask: MASK }) // 81 85 37 fa 21 3d 7f 9f 4d 51 58 (§5.7)
 * ```
 */
export const MASK: Uint8Array = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d)

/** How a frame is built; every field may be omitted. */
export interface FrameOptions {
  /** FIN bit; default true (`false` for all but the last fragment, §5.4). */
  readonly fin?: boolean | undefined
  /** RSV bits as they sit in byte 0 (`Rsv.Rsv1` = 0x40, …); default 0. Never checked. */
  readonly rsv?: number | undefined
  /**
   * `true` (default): a fresh random key per frame, as a client MUST use (§5.3); a 4-byte array: that
   * key; `false`: unmasked (a protocol error from a client, §5.1; what a server sends).
   */
  readonly mask?: boolean | Uint8Array | undefined
  /**
   * The length encoding to use when the length fits it: 16 or 64 force a non-minimal form (which
   * §5.2 forbids). A length too large for the requested form gets the next one that holds it.
   */
  readonly lengthForm?: 7 | 16 | 64 | undefined
  /**
   * The length written in the header instead of the payload's (a lying length field), 0 to
   * 2^64 - 1: a bigint can say more than 2^53. The payload bytes are sent as given.
   */
  readonly length?: number | bigint | undefined
}

/**
 * One frame as data: the opcode (any 4-bit value), the payload (a string is sent as UTF-8) and the
 * {@link FrameOptions}.
 *
 * @example
 * ```ts
 * const frames: FrameSpec[] = [{ opcode: Op.Text, payload: "Hel", fin: false }, { opcode: Op.Continuation, payload: "lo" }]
 * ```
 */
export interface FrameSpec extends FrameOptions {
  readonly opcode: number
  readonly payload?: Uint8Array | string | undefined
}

const TWO_64 = 1n << 64n

let pool = randomBytes(4096)
let poolAt = 0

/**
 * A fresh, unpredictable 4-byte masking key (RFC 6455 §5.3), from a random pool refilled as needed.
 *
 * @example
 * ```ts
 * frame(Op.Binary, bytes, { mask: randomMask() })
 * ```
 */
export const randomMask = (): Uint8Array => {
  if (poolAt + 4 > pool.length) {
    pool = randomBytes(4096)
    poolAt = 0
  }
  poolAt += 4
  return pool.subarray(poolAt - 4, poolAt)
}

/**
 * XOR `data` in place with `key` (§5.3); `offset` is the position in the 4-byte key cycle of
 * `data[0]`, for a payload masked in pieces. Masking twice unmasks. Returns `data`.
 *
 * @example
 * ```ts
 * maskInPlace(Buffer.from("Hello"), MASK) // <7f 9f 4d 51 58> (§5.7)
 * ```
 */
export const maskInPlace = <T extends Uint8Array>(data: T, key: Uint8Array, offset = 0): T => {
  for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ key[(i + offset) & 3]!
  return data
}

/** The masking key a spec asks for. */
const keyOf = (mask: FrameSpec["mask"]): Uint8Array | undefined => {
  if (mask === false) return undefined
  if (mask === undefined || mask === true) return randomMask()
  if (mask.length !== 4) throw new RangeError(`a masking key has 4 bytes, got ${mask.length}`)
  return mask
}

/**
 * Just the header of a frame whose payload is `payloadLength` bytes (or claims `spec.length`), with
 * the masking key used: for streaming a large or endless payload behind it, masked by the caller
 * (`maskInPlace(chunk, key, sentSoFar)`). `spec.payload` is ignored.
 *
 * @example
 * ```ts
 * const { header, key } = encodeHeader({ opcode: Op.Binary, length: 2n ** 62n }, 0) // 82 ff 40 00 …
 * ```
 */
export const encodeHeader = (spec: FrameSpec, payloadLength: number): { header: Buffer; key: Uint8Array | undefined } => {
  const key = keyOf(spec.mask)
  const length = BigInt(spec.length ?? payloadLength)
  if (length < 0n || length >= TWO_64) throw new RangeError(`a length field holds 0 to 2^64 - 1, not ${length}`)
  // §5.2: 0–125 in the 7-bit field, else 126 + 16 bits, else 127 + 64 bits; a forced longer form
  // is kept, a form too short for the length is widened.
  const asked = spec.lengthForm ?? 7
  const form = asked === 64 || length > 0xffffn ? 64 : asked === 16 || length > 125n ? 16 : 7
  const extended = form === 7 ? 0 : form === 16 ? 2 : 8
  const header = Buffer.allocUnsafe(2 + extended + (key === undefined ? 0 : 4))
  header[0] = (spec.fin === false ? 0 : 0x80) | ((spec.rsv ?? 0) & 0x70) | (spec.opcode & 0x0f)
  header[1] = (key === undefined ? 0 : 0x80) | (form === 7 ? Number(length) : form === 16 ? 126 : 127)
  if (form === 16) header.writeUInt16BE(Number(length), 2)
  else if (form === 64) header.writeBigUInt64BE(length, 2)
  if (key !== undefined) header.set(key, 2 + extended)
  return { header, key }
}

/**
 * One complete frame from a {@link FrameSpec}: header, then the payload (masked into the output;
 * the caller's payload is never modified).
 *
 * @example
 * ```ts
 * encodeFrame({ opcode: Op.Text, payload: "Hello", mask: false }) // 81 05 48 65 6c 6c 6f (§5.7)
 * encodeFrame({ opcode: 0xb, payload: "x" })                      // a reserved control opcode, masked
 * ```
 */
export const encodeFrame = (spec: FrameSpec): Buffer => {
  const payload = toBytes(spec.payload)
  const { header, key } = encodeHeader(spec, payload.length)
  const out = Buffer.allocUnsafe(header.length + payload.length)
  header.copy(out, 0)
  const at = header.length
  if (key === undefined) payload.copy(out, at)
  else for (let i = 0; i < payload.length; i++) out[at + i] = payload[i]! ^ key[i & 3]!
  return out
}

/**
 * {@link encodeFrame} with the opcode and payload first: `frame(Op.Text, "hi")` is a masked text
 * frame with a random key, FIN set.
 *
 * @example
 * ```ts
 * frame(Op.Text, "Hel", { fin: false, mask: MASK })           // the first of two fragments
 * frame(Op.Binary, new Uint8Array(0), { length: 2n ** 53n + 1n }) // a header that lies
 * frame(Op.Ping, "", { mask: false })                          // 89 00: unmasked, as a server sends
 * ```
 */
export const frame = (opcode: number, payload?: Uint8Array | string, options?: FrameOptions): Buffer =>
  encodeFrame({ ...options, opcode, payload })

/**
 * A Close frame payload (RFC 6455 §5.5.1): nothing without a code, else the 2-byte big-endian code
 * then the reason (UTF-8 when a string; raw bytes to send an invalid one). Nothing is validated.
 *
 * @example
 * ```ts
 * closePayload(1000, "bye")   // <03 e8 62 79 65>
 * closePayload()              // <>: a Close without a status code
 * closePayload(1000, Uint8Array.of(0xff)) // a reason that is not UTF-8
 * ```
 */
export const closePayload = (code?: number, reason: Uint8Array | string = ""): Buffer => {
  if (code === undefined) return Buffer.alloc(0)
  const text = toBytes(reason)
  const out = Buffer.allocUnsafe(2 + text.length)
  out.writeUInt16BE(code, 0)
  text.copy(out, 2)
  return out
}
