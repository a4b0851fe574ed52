/**
 * Byte helpers for building test input: payloads from strings, joining and cutting byte streams.
 *
 * @module
 */

/**
 * `payload` as a Buffer: a string is UTF-8 encoded, bytes are viewed (not copied), nothing is empty.
 *
 * @example
 * ```ts
 * toBytes("Hi")                    // <48 69>
 * toBytes(Uint8Array.of(1, 2))     // <01 02>, the same memory
 * ```
 */
export const toBytes = (payload: Uint8Array | string | undefined): Buffer =>
  payload === undefined
    ? Buffer.alloc(0)
    : typeof payload === "string"
      ? Buffer.from(payload, "utf8")
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)

/**
 * One Buffer holding `parts` in order.
 *
 * @example
 * ```ts
 * concat(frame(Op.Text, "a", { fin: false }), frame(Op.Continuation, "b"))
 * ```
 */
export const concat = (...parts: ReadonlyArray<Uint8Array>): Buffer => Buffer.concat(parts)

/**
 * `bytes` cut into pieces of the given sizes, cycling through them (odd chunk boundaries, as TCP
 * delivers them). Each piece is a copy: a receiver may unmask its input in place.
 *
 * @example
 * ```ts
 * split(Buffer.from("abcdef"), [1, 2]) // ["a", "bc", "d", "ef"]
 * ```
 */
export const split = (bytes: Uint8Array, sizes: ReadonlyArray<number>): Array<Buffer> => {
  if (sizes.length === 0 || sizes.some((n) => !(n >= 1))) throw new RangeError("split: sizes must be ≥ 1")
  const out: Array<Buffer> = []
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!
    out.push(Buffer.from(bytes.subarray(at, at + n)))
    at += n
  }
  return out
}

/**
 * `length` bytes made by repeating `pattern` (like Autobahn's `payload_len` payloads).
 *
 * @example
 * ```ts
 * repeatTo("abc", 7).toString() // "abcabca"
 * ```
 */
export const repeatTo = (pattern: Uint8Array | string, length: number): Buffer => {
  const p = toBytes(pattern)
  const out = Buffer.allocUnsafe(length)
  if (length === 0) return out
  if (p.length === 0) throw new RangeError("repeatTo: empty pattern")
  p.copy(out, 0, 0, Math.min(p.length, length))
  // Double the filled prefix each step: log2(length) copies.
  for (let filled = Math.min(p.length, length); filled < length; filled *= 2) {
    out.copy(out, filled, 0, Math.min(filled, length - filled))
  }
  return out
}
