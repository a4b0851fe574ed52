/** Internal byte helpers of the frame parser. */
import { unmaskInto } from "./frame-unmask.js"

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

/**
 * Joins the still-masked pieces of one frame's payload into a new buffer of `total` bytes,
 * unmasking on the way (RFC 6455 §5.3: byte `i` of the payload meets mask byte `i % 4`).
 */
export const unmaskJoin = (parts: ReadonlyArray<Uint8Array>, total: number, mask: Uint8Array): Uint8Array => {
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    unmaskInto(part, 0, out, at, part.length, mask, at & 3)
    at += part.length
  }
  return out
}
