/** A checksum for the soak's payloads (not a frame helper: the frames come from @wspipe/test-frames). */

/**
 * 32-bit FNV-1a of `bytes[start..end)`.
 *
 * @example
 * ```ts
 * fnv1a(Buffer.from("a")) // 0xe40c292c
 * ```
 */
export const fnv1a = (bytes: Uint8Array, start = 0, end = bytes.length): number => {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) {
    h ^= bytes[i]!
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
