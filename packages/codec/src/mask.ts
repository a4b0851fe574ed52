/**
 * Masking (RFC 6455 §5.3): `transformed[i] = original[i] XOR mask[(i + maskOffset) % 4]`.
 * The same operation masks and unmasks, so one function serves the server (unmask client frames)
 * and test clients (mask their frames).
 */

/**
 * XOR `length` bytes of `buffer` starting at `offset` with the 4-byte `mask`, in place.
 * `maskOffset` is where in the 4-byte mask cycle `offset` falls; it is non-zero when a frame's
 * payload arrives in several chunks. Works a 32-bit word at a time in the middle of the range.
 *
 * @example
 * ```ts
 * const bytes = Uint8Array.of(0x7f, 0x9f, 0x4d, 0x51, 0x58) // "Hello" masked (RFC 6455 §5.7)
 * unmask(bytes, Uint8Array.of(0x37, 0xfa, 0x21, 0x3d), 0, 5)
 * new TextDecoder().decode(bytes) // "Hello"
 * ```
 */
export const unmask = (
  buffer: Uint8Array,
  mask: Uint8Array,
  offset: number,
  length: number,
  maskOffset = 0
): void => {
  const end = offset + length
  let i = offset
  let m = maskOffset & 3
  // Head: bytes until the buffer position is 4-byte aligned (so a Uint32Array view can be used).
  while (i < end && ((buffer.byteOffset + i) & 3) !== 0) {
    buffer[i++] ^= mask[m]!
    m = (m + 1) & 3
  }
  const words = (end - i) >>> 2
  if (words > 0) {
    // The mask rotated so that its byte `m` lines up with the aligned position, read little- or
    // big-endian the same way the Int32Array view reads memory (native order).
    const m0 = mask[m]!, m1 = mask[(m + 1) & 3]!, m2 = mask[(m + 2) & 3]!, m3 = mask[(m + 3) & 3]!
    // Int32 (not Uint32) keeps every value a small integer in V8 (no float64 conversions), and
    // the 8x unrolled loop halves the per-word overhead: measured 2x faster on 64 KiB.
    const word = LITTLE_ENDIAN
      ? m0 | (m1 << 8) | (m2 << 16) | (m3 << 24)
      : (m0 << 24) | (m1 << 16) | (m2 << 8) | m3
    const view = new Int32Array(buffer.buffer, buffer.byteOffset + i, words)
    let w = 0
    for (const w8 = words - 7; w < w8; w += 8) {
      view[w] ^= word
      view[w + 1] ^= word
      view[w + 2] ^= word
      view[w + 3] ^= word
      view[w + 4] ^= word
      view[w + 5] ^= word
      view[w + 6] ^= word
      view[w + 7] ^= word
    }
    for (; w < words; w++) view[w] ^= word
    i += words << 2
  }
  // Tail: the last 0–3 bytes.
  while (i < end) {
    buffer[i++] ^= mask[m]!
    m = (m + 1) & 3
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1
