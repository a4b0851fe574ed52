/**
 * Property tests for the Parser.FrameParser (RFC 6455 §5): framing is independent of TCP chunking
 * (§5.1: a stream of bytes), fragmentation does not change messages (§5.4), control frames may be
 * interleaved (§5.4, §5.5), and arbitrary input never throws: it ends in frames or exactly one
 * typed ProtocolError (§7.1.7 "fail the WebSocket connection").
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { concat, frame } from "@wspipe/test-frames"
import { Parser, ProtocolError } from "../src/index.js"
import { type Event, recorder, summary } from "./support/feed.js"

type Msg =
  | { readonly kind: "text"; readonly text: string; readonly frags: number[] }
  | { readonly kind: "binary"; readonly data: Uint8Array; readonly frags: number[] }
  | { readonly kind: "ping"; readonly data: Uint8Array }

/** A large payload (16/64-bit lengths, frames spanning chunks, bulk unmask/UTF-8 paths). */
const big = (n: number) => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7) & 0xff
  return out
}
const arbMask = fc.uint8Array({ minLength: 4, maxLength: 4 })
const arbFrags = fc.array(fc.nat(70000), { maxLength: 4 })
const arbMsg: fc.Arbitrary<Msg> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("text" as const), text: fc.string({ unit: "grapheme", maxLength: 200 }), frags: arbFrags })
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("binary" as const), data: fc.uint8Array({ maxLength: 300 }), frags: arbFrags }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("binary" as const), data: fc.integer({ min: 60000, max: 70000 }).map(big), frags: arbFrags })
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("ping" as const), data: fc.uint8Array({ maxLength: 125 }) }) }
)

/** Encode a message as masked frames, splitting the payload at `frags` with pings interleaved. */
const encode = (m: Msg, mask: Uint8Array, pingInside: boolean): Uint8Array[] => {
  if (m.kind === "ping") return [frame(9, m.data, { mask })]
  const data = m.kind === "text" ? new TextEncoder().encode(m.text) : m.data
  const cuts = [...new Set(m.frags.map((f) => f % (data.length + 1)))].sort((a, b) => a - b)
  const bounds = [0, ...cuts, data.length]
  const out: Uint8Array[] = []
  for (let i = 0; i + 1 < bounds.length; i++) {
    const op = i === 0 ? (m.kind === "text" ? 1 : 2) : 0
    out.push(frame(op, data.subarray(bounds[i], bounds[i + 1]), { mask, fin: i + 2 === bounds.length }))
    if (pingInside && i + 2 < bounds.length) out.push(frame(9, Uint8Array.of(i), { mask }))
  }
  return out
}

const expected = (m: Msg, pingInside: boolean): Event[] => {
  if (m.kind === "ping") return [{ type: "ping", data: m.data }]
  const data = m.kind === "text" ? new TextEncoder().encode(m.text) : m.data
  const cuts = [...new Set(m.frags.map((f) => f % (data.length + 1)))]
  const pings: Event[] = pingInside ? cuts.map((_, i) => ({ type: "ping" as const, data: Uint8Array.of(i) })) : []
  return [...pings, { type: "message", kind: m.kind, data: Uint8Array.from(data), rsv: 0 }]
}

/** Push `bytes` in chunks at `cuts` (fresh copies); record events and every push's result. */
const run = (bytes: Uint8Array, cuts: number[], options: Parser.Options = {}) => {
  const { events, sink } = recorder()
  const parser = new Parser.FrameParser(sink, options)
  const results: Array<ProtocolError | undefined> = []
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  let prev = 0
  for (const c of [...points, bytes.length]) {
    results.push(parser.push(new Uint8Array(bytes.subarray(prev, c))))
    prev = c
  }
  const error = results.find((r) => r !== undefined)
  return { events, error, results, parser }
}

const arbCuts = fc.array(fc.nat(1 << 20), { maxLength: 40 })

describe("Parser.FrameParser properties (RFC 6455 §5)", () => {
  it("random messages × random fragmentation × interleaved pings × random chunking decode exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbMsg, arbMask, fc.boolean()), { maxLength: 8 }), arbCuts, (msgs, cuts) => {
        const bytes = concat(...msgs.flatMap(([m, mask, pi]) => encode(m, mask, pi)))
        const { events, error, parser } = run(bytes, cuts)
        expect(error).toBeUndefined()
        expect(summary(events)).toEqual(summary(msgs.flatMap(([m, , pi]) => expected(m, pi))))
        expect(parser.idle).toBe(true)
        expect(parser.bufferedBytes).toBe(0)
      }),
      { numRuns: 200 }
    )
  })

  it("the same stream fed byte by byte decodes identically (§5.1: TCP boundaries are meaningless)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbMsg, arbMask, fc.boolean()), { maxLength: 3 }), (msgs) => {
        const small = msgs.filter(([m]) => m.kind !== "binary" || m.data.length < 1000)
        const bytes = concat(...small.flatMap(([m, mask, pi]) => encode(m, mask, pi)))
        const all = Array.from({ length: bytes.length }, (_, i) => i)
        expect(summary(run(bytes, all).events)).toEqual(summary(run(bytes, []).events))
      }),
      { numRuns: 100 }
    )
  })

  const invariants = (bytes: Uint8Array, cuts: number[], options: Parser.Options) => {
    const once = run(bytes, [], options)
    const chunked = run(bytes, cuts, options)
    // never throws (we got here), at most one distinct error, and it is a typed ProtocolError
    for (const r of [once, chunked]) {
      const errors = new Set(r.results.filter((x) => x !== undefined))
      expect(errors.size).toBeLessThanOrEqual(1)
      if (r.error !== undefined) {
        expect(r.error).toBeInstanceOf(ProtocolError)
        expect([1002, 1007, 1009]).toContain(r.error.code)
        // dead afterwards: the same error again, and no more events
        const n = r.events.length
        expect(r.parser.push(Uint8Array.of(0x81, 0x80, 0, 0, 0, 0))).toBe(r.error)
        expect(r.events.length).toBe(n)
      }
    }
    // chunking-invariant outcome: same events and the same error code, whatever the cuts
    expect(summary(chunked.events)).toEqual(summary(once.events))
    expect(chunked.error?.code).toBe(once.error?.code)
    expect(chunked.error?.kind).toBe(once.error?.kind)
  }

  it("random bytes never throw and end in frames or exactly one typed ProtocolError", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        arbCuts,
        fc.constantFrom<Parser.Options>({}, { role: "client" }, { allowedRsv: 0x40, maxFrameSize: 200 }),
        invariants
      ),
      { numRuns: 1000 }
    )
  })

  it("mutated valid streams never throw and end in frames or exactly one typed ProtocolError", () => {
    const arbMutations = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbMsg, arbMask, fc.boolean()), { minLength: 1, maxLength: 4 }),
        arbMutations,
        arbCuts,
        (msgs, mutations, cuts) => {
          const bytes = concat(...msgs.flatMap(([m, mask, pi]) => encode(m, mask, pi)))
          for (const [at, value] of mutations) bytes[at % bytes.length] = value
          invariants(bytes, cuts, { maxMessageSize: 100000 })
        }
      ),
      { numRuns: 300 }
    )
  })
})
