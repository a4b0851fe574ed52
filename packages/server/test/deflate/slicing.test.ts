/**
 * Big messages never hold the event loop for more than one bounded slice: a 16 MiB compressed
 * message is inflated (and a 16 MiB message compressed) one slice per turn, while other
 * connections' small messages are still handled synchronously; per-connection order is kept; the
 * number of concurrent jobs is bounded. Assertions are on slice counts and sizes, never on time.
 */
import { randomBytes } from "node:crypto"
import * as zlib from "node:zlib"
import { describe, expect, it } from "vitest"
import { DeflateEngine, Pending, type InflateResult } from "../../src/deflate/index.js"

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH }
const MiB = 1 << 20
const compress = (data: Uint8Array) => {
  const out = zlib.deflateRawSync(data, { ...SYNC, level: 1 })
  return out.subarray(0, out.length - 4)
}
const noTakeover = { windowBits: 15, noContextTakeover: true }
/** The bytes are a view of a resizable buffer: zlib wrote them there (see growing-output.ts). */
const isGrownInPlace = (bytes: Uint8Array): boolean => (bytes.buffer as ArrayBuffer & { resizable?: boolean }).resizable === true

/** An engine whose slices run only when the test says so. */
const manual = (options: { maxConcurrentJobs?: number; deflateSlice?: number } = {}) => {
  const turns: Array<() => void> = []
  const engine = new DeflateEngine({ ...options, schedule: (turn) => turns.push(turn) })
  const runTurn = (): boolean => {
    const t = turns.shift()
    t?.()
    return t !== undefined
  }
  return { engine, turns, runTurn }
}

describe("a 16 MiB compressed message", () => {
  const data = randomBytes(16 * MiB) // incompressible: 16 MiB of compressed input
  const big = compress(data)

  it("is inflated in bounded slices while other connections go on synchronously, in order", () => {
    expect(big.length).toBeGreaterThan(16 * MiB)
    const { engine, runTurn } = manual()
    const delivered: Array<[string, InflateResult]> = []
    const rx = engine.inflater(noTakeover, { maxMessageSize: 32 * MiB }, (kind, r) => delivered.push([kind, r]))
    const other = engine.inflater(noTakeover, { maxMessageSize: 32 * MiB }, () => {
      throw new Error("the other connection is never deferred")
    })
    const hello = Uint8Array.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]) // "Hello", RFC 7692 §7.2.3.1

    expect(rx.message("binary", big)).toBe(Pending)
    expect(rx.message("text", hello)).toBe(Pending) // same connection: waits behind the big one
    let closedAfter = false
    expect(rx.defer(() => (closedAfter = delivered.length === 2))).toBe(false)
    expect(rx.queuedBytes).toBe(big.length + hello.length)
    let turns = 0
    while (runTurn()) {
      turns++
      // Between any two slices another connection's message is inflated right away.
      if (turns % 64 === 1) expect(new TextDecoder().decode(other.message("text", hello) as Uint8Array)).toBe("Hello")
    }
    expect(delivered.map(([k]) => k)).toEqual(["binary", "text"])
    expect(Buffer.from(delivered[0]![1] as Uint8Array).equals(data)).toBe(true)
    // Written where it is delivered (a resizable buffer grown in place), not copied out and joined.
    expect(isGrownInPlace(delivered[0]![1] as Uint8Array)).toBe(true)
    expect(new TextDecoder().decode(delivered[1]![1] as Uint8Array)).toBe("Hello")
    expect(closedAfter).toBe(true)
    // Bounded slices: at most 64 KiB of input and 256 KiB (+ one 64 KiB scratch write) of output each.
    expect(engine.counters.maxSliceInput).toBeLessThanOrEqual(64 * 1024)
    expect(engine.counters.maxSliceOutput).toBeLessThanOrEqual(320 * 1024)
    expect(engine.slicer.stats.slices).toBe(turns)
    expect(turns).toBeGreaterThanOrEqual(Math.ceil(big.length / (64 * 1024)))
    expect(engine.counters.inflatedSliced).toBe(1)
    expect(rx.busy).toBe(false)
  })

  it("bounds the jobs that hold a zlib context at once", () => {
    const { engine, runTurn } = manual({ maxConcurrentJobs: 2 })
    const results: Array<InflateResult> = []
    const small = compress(randomBytes(300 * 1024)) // > 1 slice
    const rxs = [0, 1, 2].map(() => engine.inflater(noTakeover, { maxMessageSize: MiB }, (_, r) => results.push(r)))
    for (const rx of rxs) expect(rx.message("binary", small)).toBe(Pending)
    expect(engine.slicer.running).toBe(2)
    expect(engine.slicer.queued).toBe(1)
    let maxRunning = 0
    while (runTurn()) maxRunning = Math.max(maxRunning, engine.slicer.running)
    expect(maxRunning).toBeLessThanOrEqual(2)
    expect(results.length).toBe(3)
    for (const r of results) expect(r).toBeInstanceOf(Uint8Array)
  })

  it("a connection closed mid-message drops its job and frees its context", () => {
    const { engine, runTurn } = manual()
    const rx = engine.inflater(noTakeover, { maxMessageSize: 32 * MiB }, () => {
      throw new Error("closed: nothing delivered")
    })
    expect(rx.message("binary", big)).toBe(Pending)
    for (let i = 0; i < 5; i++) runTurn()
    expect(engine.slicer.running).toBe(1)
    rx.close()
    expect(engine.slicer.running).toBe(0)
    while (runTurn()) {}
    expect(rx.message("text", big.subarray(0, 10))).toMatchObject({ kind: "closed", code: 1011 })
  })
})

describe("a 16 MiB message to send", () => {
  it("is compressed in slices of at most deflateSlice input bytes; it inflates back", async () => {
    const data = new Uint8Array(16 * MiB)
    for (let i = 0; i < data.length; i += 4096) data.set(randomBytes(64), i) // compressible
    const engine = new DeflateEngine({ deflateSlice: 64 * 1024 })
    const got: Array<Uint8Array | undefined> = []
    const tx = engine.deflater<number>(
      { deflate: { windowBits: 15, noContextTakeover: true }, threshold: 0, level: 1, memLevel: 8 },
      (_, r) => got.push(r)
    )
    expect(tx.compress(data, 1)).toBe(Pending)
    // Meanwhile another connection's small message is compressed synchronously.
    const other = engine.deflater({ deflate: { windowBits: 15, noContextTakeover: true }, threshold: 0, level: 1, memLevel: 8 }, () => {})
    expect(other.compress(new Uint8Array(1000), 0)).toBeInstanceOf(Uint8Array)
    while (got.length === 0) await new Promise((r) => setImmediate(r))
    expect(engine.slicer.stats.slices).toBeGreaterThanOrEqual(256)
    const back = zlib.inflateRawSync(Buffer.concat([got[0]!, Buffer.from([0, 0, 0xff, 0xff])]), SYNC)
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true)
    expect(isGrownInPlace(got[0]!)).toBe(true)
  })
})
