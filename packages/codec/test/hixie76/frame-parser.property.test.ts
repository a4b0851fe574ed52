/**
 * Property tests for the draft-76 frame parser: framing does not depend on TCP chunking, every
 * encoded message comes back unchanged (encoder → parser), and arbitrary bytes never throw: they
 * end in messages, a close, or one typed error, the same whatever the chunking.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeClose, encodeText } from "../../src/hixie76/frame-encoder.js"
import { bytes, bytewise, feedChunks, splitAt, text } from "./support/feed.js"

const arbCuts = (length: number) => fc.array(fc.nat(length), { maxLength: 16 }).map((c) => [...new Set(c)].sort((a, b) => a - b))

/** A message, and whether a skipped length-prefixed frame (random type 0x80–0xFE) precedes it. */
const arbMessage = fc.record({
  text: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20000 }).map((n) => "é".repeat(n)) }
  ),
  skipped: fc.option(fc.record({ type: fc.integer({ min: 0x80, max: 0xfe }), data: fc.uint8Array({ maxLength: 300 }) }))
})

/** A length field in 7-bit groups, most significant first (written independently of src). */
const lengthField = (n: number): number[] => {
  const groups = [n & 0x7f]
  for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f))
  return groups
}

describe("encoder → parser round trip", () => {
  it("random messages × random chunkings, with skipped frames between them, then a close", () => {
    fc.assert(
      fc.property(fc.array(arbMessage, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 16 }), (messages, raw) => {
        const parts: Uint8Array[] = []
        for (const m of messages) {
          if (m.skipped) parts.push(bytes(m.skipped.type, lengthField(m.skipped.data.length), m.skipped.data))
          parts.push(encodeText(m.text))
        }
        parts.push(encodeClose())
        const stream = bytes(...parts)
        const cuts = [...new Set(raw.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const r = feedChunks(splitAt(stream, cuts))
        // Strings with lone surrogates are encoded with U+FFFD: compare with what Buffer makes.
        expect(r.events).toEqual([...messages.map((m) => text(Buffer.from(m.text, "utf8").toString("utf8"))), "close"])
        expect(r.error).toBeUndefined()
        expect(r.parser.idle).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("one byte at a time gives the same messages", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { maxLength: 6 }), (texts) => {
        const stream = bytes(...texts.map((t) => encodeText(t)))
        expect(feedChunks(bytewise(stream)).events).toEqual(texts.map(text))
      })
    )
  })
})

describe("arbitrary input", () => {
  /** Bytes biased towards the interesting ones: 0x00, 0xFF, high-bit types, UTF-8 leads. */
  const arbByte = fc.oneof(fc.constantFrom(0x00, 0xff, 0x80, 0x81, 0x7f, 0xc3, 0xa9, 0xe2, 0xed, 0xf4), fc.integer({ min: 0, max: 255 }))
  const arbStream = fc.array(arbByte, { maxLength: 200 }).map((a) => Uint8Array.from(a))

  it("never throws, and the outcome does not depend on the chunking", () => {
    fc.assert(
      fc.property(
        arbStream.chain((s) => fc.tuple(fc.constant(s), arbCuts(s.length))),
        ([stream, cuts]) => {
          const whole = feedChunks([stream.slice()], { maxMessageSize: 64 })
          const split = feedChunks(splitAt(stream, cuts), { maxMessageSize: 64 })
          const single = feedChunks(bytewise(stream), { maxMessageSize: 64 })
          for (const r of [split, single]) {
            expect(r.events).toEqual(whole.events)
            expect(r.error?.code).toBe(whole.error?.code)
            expect(r.parser.idle).toBe(whole.parser.idle)
          }
          if (whole.error !== undefined) expect([1002, 1007, 1009]).toContain(whole.error.code)
        }
      ),
      { numRuns: 1000 }
    )
  })
})
