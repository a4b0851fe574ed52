/** Internal byte helpers of the frame parser. */

/** Joins pieces into one buffer of `total` bytes (one copy; a single piece is returned as is). */
export const join = (parts: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  if (parts.length === 1) return parts[0]!
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i]!, at)
    at += parts[i]!.length
  }
  return out
}
