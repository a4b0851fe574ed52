/**
 * The inflater with real zlib (RFC 7692 §7.2.2): round trips, the RFC's examples, context takeover
 * across messages (also across a BFINAL block), the message limit enforced while inflating (deflate
 * bomb), corrupt data, and UTF-8 failing mid-message.
 */
import * as zlib from "node:zlib"
import { describe, expect, it } from "vitest"
import { DeflateEngine, InflateError, Pending, ZlibHandle, type InflateResult } from "../../src/deflate/index.js"

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH }
const hex = (s: string) => Uint8Array.from(s.split(/\s+/).filter(Boolean), (h) => parseInt(h, 16))
const text = (s: string) => new TextEncoder().encode(s)
const str = (b: InflateResult | typeof Pending) => {
  if (!(b instanceof Uint8Array)) throw new Error(`not bytes: ${String(b)}`)
  return new TextDecoder().decode(b)
}
/** A permessage-deflate payload: sync-flushed raw DEFLATE without the trailing 00 00 ff ff. */
const compress = (data: Uint8Array, options: zlib.ZlibOptions = {}) => {
  const out = zlib.deflateRawSync(data, { ...SYNC, ...options })
  return out.subarray(0, out.length - 4)
}
const noTakeover = { windowBits: 15, noContextTakeover: true }
const takeover = { windowBits: 15, noContextTakeover: false }
const MiB = 1 << 20
const never = () => {
  throw new Error("no pending result expected")
}

describe("round trips", () => {
  const engine = new DeflateEngine()
  it("inflates a message compressed alone, text and binary", () => {
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    const msg = text(JSON.stringify({ hello: "world", n: [1, 2, 3] }).repeat(20))
    expect(Buffer.from(rx.message("text", compress(msg)) as Uint8Array).equals(msg)).toBe(true)
    const bin = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff)
    expect(Buffer.from(rx.message("binary", compress(bin)) as Uint8Array).equals(bin)).toBe(true)
  })

  it("takes the payload of several frames as a list (RFC 7692 §6.1: compressed, then fragmented)", () => {
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    const msg = text("fragmented ".repeat(100))
    const p = compress(msg)
    const parts = [p.subarray(0, 3), p.subarray(3, 4), p.subarray(4)]
    expect(str(rx.message("text", parts))).toBe("fragmented ".repeat(100))
  })

  it("passes an uncompressed message (RSV1 = 0) through untouched", () => {
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    const plain = text("not compressed")
    expect(rx.message("text", plain, false)).toBe(plain)
  })

  it("an empty message (RFC 7692 §7.2.3.6: payload 0x00)", () => {
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    expect((rx.message("text", hex("00")) as Uint8Array).length).toBe(0)
    expect((rx.message("binary", compress(new Uint8Array(0))) as Uint8Array).length).toBe(0)
  })
})

describe("RFC 7692 §7.2.3 examples", () => {
  const engine = new DeflateEngine()
  const rx = () => engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
  it("§7.2.3.1 one compressed block, §7.2.3.3 a stored block, §7.2.3.5 two blocks", () => {
    expect(str(rx().message("text", hex("f2 48 cd c9 c9 07 00")))).toBe("Hello")
    expect(str(rx().message("text", hex("00 05 00 fa ff 48 65 6c 6c 6f 00")))).toBe("Hello")
    expect(str(rx().message("text", hex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00")))).toBe("Hello")
  })

  it("§7.2.3.4 a block with BFINAL set, then the shared inflater is reset for the next message", () => {
    const a = rx()
    expect(str(a.message("text", hex("f3 48 cd c9 c9 07 00 00")))).toBe("Hello")
    // The shared context saw the end of a DEFLATE stream: without a reset it would ignore this.
    expect(str(rx().message("text", hex("f2 48 cd c9 c9 07 00")))).toBe("Hello")
    expect(str(a.message("text", hex("f2 48 cd c9 c9 07 00")))).toBe("Hello")
  })

  it("§7.2.3.2 sharing the LZ77 window: the second message only references the first", () => {
    const t = engine.inflater(takeover, { maxMessageSize: MiB }, never)
    expect(str(t.message("text", hex("f2 48 cd c9 c9 07 00")))).toBe("Hello")
    expect(str(t.message("text", hex("f2 00 11 00 00")))).toBe("Hello")
    expect(t.windowBytes).toBe(10)
    // Without takeover the same bytes point before the start of the message: corrupt.
    const r = rx().message("text", hex("f2 00 11 00 00"))
    expect(r).toBeInstanceOf(InflateError)
    expect((r as InflateError).code).toBe(1007)
  })

  it("takeover across a message ending in a BFINAL block (§7.2.3.4 then §7.2.3.2)", () => {
    const t = engine.inflater(takeover, { maxMessageSize: MiB }, never)
    expect(str(t.message("text", hex("f3 48 cd c9 c9 07 00 00")))).toBe("Hello")
    expect(str(t.message("text", hex("f2 00 11 00 00")))).toBe("Hello")
  })
})

describe("context takeover across many messages", () => {
  it("inflates a persistent compressor's stream, window bits 15 and 9", () => {
    const engine = new DeflateEngine()
    for (const windowBits of [15, 9]) {
      const d = new ZlibHandle("deflate", { windowBits, level: 6 }) // one persistent context
      const out = new Uint8Array(4096)
      const t = engine.inflater({ windowBits, noContextTakeover: false }, { maxMessageSize: MiB }, never)
      const fresh = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
      let sawReference = false
      for (let i = 0; i < 20; i++) {
        const msg = text(JSON.stringify({ type: "tick", symbol: "BTCUSDT", price: 43000 + i, seq: i }))
        const n = d.write(msg, 0, msg.length, out, 0, out.length)
        expect(Array.from(out.subarray(n - 4, n))).toEqual([0, 0, 0xff, 0xff])
        const payload = out.slice(0, n - 4)
        expect(str(t.message("text", payload))).toBe(new TextDecoder().decode(msg))
        if (i > 0 && fresh.message("text", payload) instanceof InflateError) sawReference = true
      }
      expect(sawReference).toBe(true) // later messages needed the window
      d.close()
    }
  })
})

describe("the message limit is enforced while inflating (deflate bomb)", () => {
  const bomb = compress(new Uint8Array(64 * MiB)) // ~64 KiB that inflate to 64 MiB

  it("stops at limit + 1 byte with 1009, synchronously", () => {
    const engine = new DeflateEngine({ inflateSliceInput: 1 * MiB, inflateSliceOutput: 4 * MiB })
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    const r = rx.message("binary", bomb)
    expect(r).toBeInstanceOf(InflateError)
    expect((r as InflateError).code).toBe(1009)
    // Never produced (so never held) more than the limit plus the one byte that proves it.
    expect((r as InflateError).inflated).toBe(MiB + 1)
    expect(rx.message("binary", compress(text("x")))).toBe(r) // the inflater stays failed
  })

  it("stops at the limit in the sliced path too", async () => {
    const engine = new DeflateEngine()
    const results: Array<InflateResult> = []
    const rx = engine.inflater(noTakeover, { maxMessageSize: 8 * MiB }, (_, r) => results.push(r))
    expect(rx.message("binary", bomb)).toBe(Pending) // > 256 KiB out: moved to the slicer
    while (results.length === 0) await new Promise((r) => setImmediate(r))
    const e = results[0] as InflateError
    expect(e.code).toBe(1009)
    expect(e.inflated).toBe(8 * MiB + 1)
    expect(engine.counters.maxSliceOutput).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
  })

  it("1 MiB that inflates to 1 GiB: 1009 after limit + 1 bytes, never more held", async () => {
    // 64 standalone sync-flushed segments of 16 MiB of zeros each: one valid DEFLATE stream.
    const segment = zlib.deflateRawSync(new Uint8Array(16 * MiB), { ...SYNC, level: 9 })
    const bomb1g = Buffer.concat(Array.from({ length: 64 }, () => segment))
    const payload = bomb1g.subarray(0, bomb1g.length - 4)
    expect(payload.length).toBeLessThan(1.1 * MiB)
    const engine = new DeflateEngine()
    const results: Array<InflateResult> = []
    const rx = engine.inflater(noTakeover, { maxMessageSize: 16 * MiB }, (_, r) => results.push(r))
    expect(rx.message("binary", payload)).toBe(Pending)
    while (results.length === 0) await new Promise((r) => setImmediate(r))
    expect((results[0] as InflateError).code).toBe(1009)
    expect((results[0] as InflateError).inflated).toBe(16 * MiB + 1)
  })

  it("a message exactly at the limit passes", () => {
    const engine = new DeflateEngine({ inflateSliceOutput: 4 * MiB })
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    expect((rx.message("binary", compress(new Uint8Array(MiB))) as Uint8Array).length).toBe(MiB)
  })
})

describe("corrupt data and UTF-8", () => {
  const engine = new DeflateEngine()
  it("invalid DEFLATE data → 1007, and the shared inflater serves the next connection", () => {
    const rx = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    const r = rx.message("binary", hex("ff ff ff ff 00 01"))
    expect(r).toBeInstanceOf(InflateError)
    expect((r as InflateError).kind).toBe("corrupt")
    expect((r as InflateError).code).toBe(1007)
    const other = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    expect(str(other.message("text", hex("f2 48 cd c9 c9 07 00")))).toBe("Hello")
  })

  it("a text message fails at the first invalid byte the inflater produced, not at the end", () => {
    const rx = engine.inflater(noTakeover, { maxMessageSize: 64 * MiB }, never)
    const msg = new Uint8Array(16 * MiB).fill(0x61)
    msg[1000] = 0xff
    const r = rx.message("text", compress(msg)) // ~16 KiB: synchronous path
    expect((r as InflateError).kind).toBe("utf8")
    expect((r as InflateError).code).toBe(1007)
    expect((r as InflateError).inflated).toBeLessThan(128 * 1024) // of 16 MiB
  })

  it("a text message cut inside a UTF-8 sequence fails at its end; binary is not checked", () => {
    const cut = compress(Uint8Array.of(0x61, 0xe2, 0x82)) // "a" + first 2 bytes of "€"
    expect((engine.inflater(noTakeover, { maxMessageSize: MiB }, never).message("text", cut) as InflateError).kind).toBe("utf8")
    expect(engine.inflater(noTakeover, { maxMessageSize: MiB }, never).message("binary", cut)).toBeInstanceOf(Uint8Array)
    const euro = engine.inflater(noTakeover, { maxMessageSize: MiB }, never)
    expect(str(euro.message("text", compress(text("a€b"))))).toBe("a€b")
  })
})
