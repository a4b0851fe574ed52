/** Test payloads of exact byte sizes. */
import { randomBytes } from "node:crypto"

/** Random bytes. */
export const binaryOf = (size: number): Buffer => randomBytes(size)

const PIECES = ["é", "€", "😀", "a", "ß", "中"] // 2, 3, 4, 1, 2, 3 UTF-8 bytes

/**
 * A string whose UTF-8 encoding is exactly `size` bytes, mixing 1- to 4-byte characters
 * (ASCII only fills the last bytes).
 */
export const textOf = (size: number): string => {
  const unit = PIECES.join("")
  const unitBytes = Buffer.byteLength(unit)
  let text = unit.repeat(Math.max(0, Math.floor((size - 4) / unitBytes)))
  let bytes = Buffer.byteLength(text)
  for (let i = 0; bytes + Buffer.byteLength(PIECES[i % PIECES.length]!) <= size - 4; i++) {
    text += PIECES[i % PIECES.length]!
    bytes += Buffer.byteLength(PIECES[i % PIECES.length]!)
  }
  while (bytes < size) {
    text += String.fromCharCode(0x61 + (bytes % 26))
    bytes++
  }
  return text
}
