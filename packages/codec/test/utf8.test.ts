/**
 * UTF-8 validation (RFC 3629 §3–4; RFC 6455 §8.1: invalid text fails the connection, so the
 * validator must be exact and fail fast, including across chunk boundaries).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Utf8 } from "../src/index.js"
import { UTF8_VECTORS } from "./support/utf8-vectors.js"

const nodeIsUtf8 = (b: Uint8Array) => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b)
    return true
  } catch {
    return false
  }
}

describe("Utf8.Validator: Kuhn / Autobahn stress vectors (RFC 3629 §4, RFC 6455 §8.1)", () => {
  for (const vec of UTF8_VECTORS) {
    describe(vec.name, () => {
      const valid = vec.failAt === undefined

      it("one-shot Utf8.isValid agrees with the expected verdict (and with TextDecoder fatal)", () => {
        expect(Utf8.isValid(vec.bytes)).toBe(valid)
        expect(nodeIsUtf8(vec.bytes)).toBe(valid)
      })

      it("fed byte by byte: push fails exactly on the first invalid byte, truncation at finish()", () => {
        const val = new Utf8.Validator()
        let failedAt = -1
        for (let i = 0; i < vec.bytes.length; i++) {
          if (!val.push(vec.bytes, i, i + 1)) {
            failedAt = i
            break
          }
        }
        if (typeof vec.failAt === "number") expect(failedAt).toBe(vec.failAt)
        else {
          expect(failedAt).toBe(-1)
          expect(val.finish()).toBe(valid)
        }
      })

      it("split in two pieces at every position gives the same verdict", () => {
        for (let k = 0; k <= vec.bytes.length; k++) {
          const val = new Utf8.Validator()
          const ok = val.push(vec.bytes.subarray(0, k)) && val.push(vec.bytes, k)
          expect(val.finish() && ok, `split at ${k}`).toBe(valid)
          // A failure is reported by the piece that holds the first invalid byte.
          if (typeof vec.failAt === "number") {
            const v2 = new Utf8.Validator()
            expect(v2.push(vec.bytes.subarray(0, k))).toBe(k <= vec.failAt)
          }
        }
      })

      it("embedded in long ASCII runs (native bulk path, ≥ 256 bytes) keeps the verdict", () => {
        for (const pad of [255, 256, 300, 1021]) {
          const bytes = new Uint8Array(pad + vec.bytes.length + (valid || vec.failAt !== "end" ? pad : 0))
          bytes.fill(0x61)
          bytes.set(vec.bytes, pad)
          expect(Utf8.isValid(bytes), `pad ${pad}`).toBe(valid)
        }
      })
    })
  }
})

describe("Utf8.Validator: state handling", () => {
  it("is sticky after a failure until finish()/reset() (RFC 6455 §8.1: the message is invalid)", () => {
    const val = new Utf8.Validator()
    expect(val.push(Uint8Array.of(0xff))).toBe(false)
    expect(val.push(Uint8Array.of(0x41))).toBe(false)
    expect(val.finish()).toBe(false)
    expect(val.push(Uint8Array.of(0x41))).toBe(true)
    expect(val.finish()).toBe(true)
  })

  it("finish() resets a truncated sequence for the next message", () => {
    const val = new Utf8.Validator()
    expect(val.push(Uint8Array.of(0xe2, 0x82))).toBe(true)
    expect(val.finish()).toBe(false)
    expect(val.push(Uint8Array.of(0xac))).toBe(false) // lone continuation in a new message
  })

  it("reset() forgets a pending sequence", () => {
    const val = new Utf8.Validator()
    val.push(Uint8Array.of(0xf0, 0x90))
    val.reset()
    expect(val.push(Uint8Array.of(0x41))).toBe(true)
    expect(val.finish()).toBe(true)
  })

  it("honours start/end and does not read outside the range", () => {
    const bytes = Uint8Array.of(0xff, 0x41, 0x42, 0xff)
    expect(new Utf8.Validator().push(bytes, 1, 3)).toBe(true)
  })

  it("bulk path keeps a sequence cut at the end of a large piece pending", () => {
    const euro = [0xe2, 0x82, 0xac]
    for (let cut = 1; cut <= 3; cut++) {
      const a = new Uint8Array(600).fill(0x62)
      a.set(euro.slice(0, cut), 600 - cut)
      const val = new Utf8.Validator()
      expect(val.push(a)).toBe(true)
      expect(val.push(Uint8Array.from(euro.slice(cut)))).toBe(true)
      expect(val.finish()).toBe(true)
    }
  })
})

describe("Utf8.Validator: properties (RFC 3629)", () => {
  it("every Unicode string's UTF-8 is valid, under any split into pieces", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), fc.array(fc.nat(2000), { maxLength: 6 }), (str, cuts) => {
        const bytes = new TextEncoder().encode(str)
        const points = [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)
        const val = new Utf8.Validator()
        let prev = 0
        let ok = true
        for (const c of [...points, bytes.length]) {
          ok = val.push(bytes, prev, c) && ok
          prev = c
        }
        expect(val.finish() && ok).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("agrees with a fatal TextDecoder on arbitrary bytes, whole and streamed", () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }))
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 700 }), fc.integer({ min: 1, max: 700 }), (arr, step) => {
        const bytes = Uint8Array.from(arr)
        const expected = nodeIsUtf8(bytes)
        expect(Utf8.isValid(bytes)).toBe(expected)
        const val = new Utf8.Validator()
        let ok = true
        for (let i = 0; i < bytes.length && ok; i += step) ok = val.push(bytes, i, Math.min(bytes.length, i + step))
        expect(val.finish() && ok).toBe(expected)
      }),
      { numRuns: 500 }
    )
  })
})
