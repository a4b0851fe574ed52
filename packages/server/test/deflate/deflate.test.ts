/**
 * The deflater with real zlib (RFC 7692 §7.2.1): trailer stripping, threshold, no-takeover reset,
 * takeover, window bits 8, compress-once broadcast, and releasing contexts.
 */
import * as zlib from "node:zlib"
import { describe, expect, it } from "vitest"
import { DeflateEngine, Pending, ZlibHandle, type DeflateParams } from "../../src/deflate/index.js"

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH }
const text = (s: string) => new TextEncoder().encode(s)
/** Inflates a payload alone (a fresh context), as a no-takeover client does. */
const inflateAlone = (p: Uint8Array, windowBits = 15) =>
  zlib.inflateRawSync(Buffer.concat([p, Buffer.from([0, 0, 0xff, 0xff])]), { ...SYNC, windowBits })
const params = (over: Partial<DeflateParams> & { windowBits?: number; noContextTakeover?: boolean } = {}): DeflateParams => ({
  deflate: { windowBits: over.windowBits ?? 15, noContextTakeover: over.noContextTakeover ?? true },
  threshold: over.threshold ?? 0,
  level: over.level ?? 1,
  memLevel: over.memLevel ?? 8
})
const never = () => {
  throw new Error("no pending result expected")
}
const msg = text(
  JSON.stringify({ type: "batch", events: Array.from({ length: 20 }, (_, i) => ({ id: i, room: "general", text: "hello there" })) })
)

describe("compression (RFC 7692 §7.2.1)", () => {
  const engine = new DeflateEngine()
  it("strips the trailing 00 00 ff ff of the sync flush", () => {
    const tx = engine.deflater(params(), never)
    const p = tx.compress(msg, 0) as Uint8Array
    const full = zlib.deflateRawSync(msg, { ...SYNC, level: 1 })
    expect(Array.from(full.subarray(-4))).toEqual([0, 0, 0xff, 0xff])
    expect(Buffer.from(p).equals(full.subarray(0, full.length - 4))).toBe(true)
    expect(Buffer.from(inflateAlone(p)).equals(Buffer.from(msg))).toBe(true)
  })

  it("an empty message becomes the single byte 0x00 (RFC 7692 §7.2.3.6)", () => {
    expect(Array.from(engine.deflater(params(), never).compress(new Uint8Array(0), 0) as Uint8Array)).toEqual([0])
  })

  it("sends messages below the threshold uncompressed", () => {
    const tx = engine.deflater(params({ threshold: 100 }), never)
    expect(tx.compress(new Uint8Array(99), 0)).toBeUndefined()
    expect(tx.compress(new Uint8Array(100), 0)).toBeInstanceOf(Uint8Array)
  })

  it("no context takeover: every message inflates alone (the shared compressor is reset)", () => {
    const a = engine.deflater(params(), never)
    const b = engine.deflater(params(), never)
    for (const tx of [a, b, a, a, b]) {
      const p = tx.compress(msg, 0) as Uint8Array
      expect(Buffer.from(inflateAlone(p)).equals(Buffer.from(msg))).toBe(true)
    }
    expect(engine.sharedDeflaters).toBe(1)
    expect(a.hasContext).toBe(false)
  })

  it("context takeover: later messages reference earlier ones; close() frees the context", () => {
    const tx = engine.deflater(params({ noContextTakeover: false }), never)
    const client = new ZlibHandle("inflate", { windowBits: 15 }) // a takeover client's inflater
    const out = new Uint8Array(1 << 16)
    const sizes: Array<number> = []
    for (let i = 0; i < 3; i++) {
      const p = tx.compress(msg, 0) as Uint8Array
      sizes.push(p.length)
      const withTrailer = Buffer.concat([p, Buffer.from([0, 0, 0xff, 0xff])])
      const n = client.write(withTrailer, 0, withTrailer.length, out, 0, out.length)
      expect(Buffer.from(out.subarray(0, n)).equals(Buffer.from(msg))).toBe(true)
    }
    expect(sizes[1]!).toBeLessThan(sizes[0]! / 2) // the repeat is a back-reference
    expect(() => inflateAlone(tx.compress(msg, 0) as Uint8Array)).toThrow() // needs the window
    expect(tx.hasContext).toBe(true)
    tx.close()
    expect(tx.hasContext).toBe(false)
    expect(tx.compress(msg, 0)).toBeUndefined() // closed: nothing compressed any more
    client.close()
  })

  it("window bits 8: zlib compresses with 9 but never reaches back more than 256 bytes", () => {
    const tx = engine.deflater(params({ windowBits: 8, level: 9 }), never)
    expect(tx.zlibBits).toBe(9)
    // Repeats at distance 300 and 400: usable by a 512-byte window, not by a 256-byte one.
    const data = new Uint8Array(4000)
    for (let i = 0; i < data.length; i++) data[i] = i % 300 < 20 ? i % 300 : (i * 2654435761) >>> 24
    for (let i = 2000; i < 2400; i++) data[i] = data[i - 400]!
    // Inflate with an 8-bit window into 64-byte output pieces, so every distance > 64 is served
    // from zlib's 256-byte window and a distance > 256 fails ("invalid distance too far back").
    const inflate8 = (p: Uint8Array): Uint8Array | string => {
      const i8 = new ZlibHandle("inflate", { windowBits: 8 })
      const input = Buffer.concat([p, Buffer.from([0, 0, 0xff, 0xff])])
      const out = new Uint8Array(data.length)
      let inOff = 0
      let o = 0
      try {
        while (true) {
          const n = i8.write(input, inOff, input.length - inOff, out, o, Math.min(64, out.length - o))
          if (n < 0) return i8.error
          o += n
          inOff = input.length - i8.inLeft
          if (i8.outLeft > 0 || o === out.length) return out.subarray(0, o)
        }
      } finally {
        i8.close()
      }
    }
    const ok = inflate8(tx.compress(data, 0) as Uint8Array)
    expect(ok instanceof Uint8Array && Buffer.from(ok).equals(Buffer.from(data))).toBe(true)
    // The check can fail: the same data compressed with a 15-bit window uses distances 300/400.
    expect(inflate8(engine.deflater(params({ level: 9 }), never).compress(data, 0) as Uint8Array)).toMatch(/too far back/)
  })
})

describe("compress-once broadcast", () => {
  it("compresses once for all no-takeover recipients with the same parameters", () => {
    const engine = new DeflateEngine()
    const group = Array.from({ length: 100 }, () => engine.deflater(params(), never))
    const b = engine.broadcast(msg)
    const first = b.for(group[0]!, 0)
    expect(first).toBeInstanceOf(Uint8Array)
    for (const tx of group) expect(b.for(tx, 0)).toBe(first) // the same bytes, not a copy
    expect(engine.counters.broadcastCompressions).toBe(1)
    expect(Buffer.from(inflateAlone(first as Uint8Array)).equals(Buffer.from(msg))).toBe(true)
  })

  it("one compression per distinct window; takeover recipients use their own context", () => {
    const engine = new DeflateEngine()
    const w15 = engine.deflater(params(), never)
    const w10 = engine.deflater(params({ windowBits: 10 }), never)
    const own = engine.deflater(params({ noContextTakeover: false }), never)
    const b = engine.broadcast(msg)
    const p15 = b.for(w15, 0) as Uint8Array
    const p10 = b.for(w10, 0) as Uint8Array
    const pOwn = b.for(own, 0) as Uint8Array
    expect(b.compressions).toBe(2)
    expect(Buffer.from(inflateAlone(p10, 10)).equals(Buffer.from(msg))).toBe(true)
    expect(own.hasContext).toBe(true)
    expect(pOwn).not.toBe(p15)
    // Below the threshold nobody compresses.
    const small = engine.broadcast(text("hi"))
    expect(small.for(engine.deflater(params({ threshold: 10 }), never), 0)).toBeUndefined()
  })

  it("a big broadcast is compressed once in slices and reaches every recipient in order", async () => {
    const engine = new DeflateEngine({ deflateSlice: 16 * 1024 })
    const got: Array<[number, string, number]> = []
    const txs = [0, 1, 2].map((id) => engine.deflater<string>(params(), (token, r) => got.push([id, token, r?.length ?? -1])))
    const big = new Uint8Array(200_000).fill(0x41)
    const b = engine.broadcast(big)
    for (const tx of txs) expect(b.for(tx, "big")).toBe(Pending)
    // Behind the pending broadcast, a small message waits for its turn on each connection.
    for (const tx of txs) expect(tx.compress(msg, "small")).toBe(Pending)
    while (got.length < 6) await new Promise((r) => setImmediate(r))
    expect(engine.counters.broadcastCompressions).toBe(1)
    expect(engine.slicer.stats.slices).toBeGreaterThanOrEqual(Math.ceil(200_000 / 16384))
    for (const id of [0, 1, 2]) expect(got.filter((g) => g[0] === id).map((g) => g[1])).toEqual(["big", "small"])
  })
})
