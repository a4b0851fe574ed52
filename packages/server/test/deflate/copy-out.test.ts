/**
 * zlib's output leaves the engine's scratch buffer as copies carved out of Node's buffer pool
 * when small (`deflate/copy-out.ts`): a deflate echo must not make one native allocation per
 * message and direction (the RSS drift of the deflate soak), and the copies must be independent
 * of the scratch buffer and of each other.
 */
import { describe, expect, it } from "vitest"
import { DeflateEngine } from "../../src/deflate/index.js"
import { copyOut } from "../../src/deflate/copy-out.js"

const never = () => {
  throw new Error("no pending result expected")
}
const text = (s: string) => new TextEncoder().encode(s)

describe("copies of zlib's output", () => {
  it("a thousand small messages compressed and inflated share a few dozen ArrayBuffers, not two thousand", () => {
    const engine = new DeflateEngine()
    const tx = engine.deflater({ deflate: { windowBits: 15, noContextTakeover: false }, threshold: 0, level: 1, memLevel: 8 }, never)
    const rx = engine.inflater({ windowBits: 15, noContextTakeover: false }, { maxMessageSize: 1 << 20 }, never)
    const compressedBuffers = new Set<ArrayBufferLike>()
    const inflatedBuffers = new Set<ArrayBufferLike>()
    for (let i = 0; i < 1000; i++) {
      const message = text(JSON.stringify({ type: "chat", room: "general", seq: i, text: `message number ${i}` }))
      const compressed = tx.compress(message, 0) as Uint8Array
      const inflated = rx.message("text", compressed) as Uint8Array
      expect(Buffer.from(inflated).equals(Buffer.from(message))).toBe(true)
      compressedBuffers.add(compressed.buffer)
      inflatedBuffers.add(inflated.buffer)
    }
    // ~60 B compressed and ~70 B inflated each: about a hundred per 8 KiB pool.
    expect(compressedBuffers.size).toBeLessThan(50)
    expect(inflatedBuffers.size).toBeLessThan(50)
  })

  it("a copy is a plain Uint8Array of its own bytes: later scratch writes and its slice do not touch it", () => {
    const scratch = Uint8Array.from({ length: 64 }, (_, i) => i)
    const small = copyOut(scratch, 10)
    const big = copyOut(new Uint8Array(Buffer.poolSize), Buffer.poolSize)
    scratch.fill(0xff)
    expect(Array.from(small)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(Object.getPrototypeOf(small)).toBe(Uint8Array.prototype)
    const sliced = small.slice(0, 2)
    sliced[0] = 42
    expect(small[0]).toBe(0) // slice copies, as on any Uint8Array (a Buffer's would be a view)
    expect(big.byteOffset).toBe(0)
    expect(big.buffer.byteLength).toBe(Buffer.poolSize)
  })
})
