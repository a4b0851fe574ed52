/**
 * Text messages must be valid UTF-8 and a violation fails the connection with 1007 (RFC 6455
 * §5.6, §8.1). The parser validates incrementally and fails fast: the error is returned by the
 * push that delivers the first invalid byte, whatever the WebSocket fragmentation (§5.4) or TCP
 * chunking; a sequence truncated by the end of the message is reported at the message's end.
 */
import { describe, expect, it } from "vitest"
import { concat } from "@wspipe/test-frames"
import { feed, feedBytewise, masked } from "./support/feed.js"
import { UTF8_VECTORS } from "./support/utf8-vectors.js"

/** A text message split into fragments at `cuts`; `pos[i]` = stream index of payload byte i. */
const build = (payload: Uint8Array, cuts: ReadonlyArray<number>) => {
  const bounds = [0, ...cuts, payload.length]
  const parts: Uint8Array[] = []
  const pos: number[] = []
  let offset = 0
  for (let f = 0; f + 1 < bounds.length; f++) {
    const a = bounds[f]!,
      b = bounds[f + 1]!
    const bytes = masked(f === 0 ? 1 : 0, payload.subarray(a, b), { fin: f + 2 === bounds.length })
    const header = bytes.length - (b - a)
    for (let j = a; j < b; j++) pos[j] = offset + header + (j - a)
    parts.push(bytes)
    offset += bytes.length
  }
  return { bytes: concat(...parts), pos }
}

/** The stream index whose push must return the 1007, or undefined for a valid message. */
const expectedErrorByte = (failAt: number | "end" | undefined, stream: { bytes: Uint8Array; pos: number[] }) =>
  failAt === undefined ? undefined : failAt === "end" ? stream.bytes.length - 1 : stream.pos[failAt]!

const check = (payload: Uint8Array, failAt: number | "end" | undefined, stream: ReturnType<typeof build>) => {
  const errByte = expectedErrorByte(failAt, stream)
  // byte by byte: the error comes on the push of the offending byte, not later (and not earlier)
  const b = feedBytewise(stream.bytes)
  if (errByte === undefined) {
    expect(b.error).toBeUndefined()
    expect(b.events).toEqual([{ type: "message", kind: "text", data: payload, rsv: 0 }])
  } else {
    expect(b.error).toMatchObject({ kind: "invalid-utf8", code: 1007 })
    expect(b.errorAt).toBe(errByte)
    expect(b.events).toEqual([])
  }
  // whole stream in one chunk
  const w = feed(stream.bytes)
  expect(w.error?.code).toBe(errByte === undefined ? undefined : 1007)
  expect(w.error?.kind).toBe(errByte === undefined ? undefined : "invalid-utf8")
}

describe("UTF-8 stress vectors as text messages (RFC 6455 §8.1, fail fast)", () => {
  for (const vec of UTF8_VECTORS) {
    describe(`${vec.name} [${vec.failAt === undefined ? "valid" : `invalid @${vec.failAt}`}]`, () => {
      const payload = vec.bytes

      it("as 2 WebSocket fragments split at every byte position (§5.4)", () => {
        for (let k = 0; k <= payload.length; k++) check(payload, vec.failAt, build(payload, [k]))
      })

      it("as one fragment per byte", () => {
        const cuts = Array.from({ length: Math.max(0, payload.length - 1) }, (_, i) => i + 1)
        check(payload, vec.failAt, build(payload, cuts))
      })

      it("as one frame split into 2 TCP chunks at every byte position", () => {
        const stream = build(payload, [])
        const errByte = expectedErrorByte(vec.failAt, stream)
        for (let k = 0; k <= stream.bytes.length; k++) {
          const r = feed(stream.bytes, [k])
          if (errByte === undefined) {
            expect(r.error, `split ${k}`).toBeUndefined()
            expect(r.events).toEqual([{ type: "message", kind: "text", data: payload, rsv: 0 }])
          } else {
            expect(r.error, `split ${k}`).toMatchObject({ kind: "invalid-utf8", code: 1007 })
            // feed() reports the end index of the push that returned the error
            expect(r.errorAt, `split ${k}`).toBe(k > errByte ? k : stream.bytes.length)
          }
        }
      })

      it("inside 600 bytes of ASCII (bulk path), split into TCP chunks around the vector", () => {
        const pad = new Uint8Array(300).fill(0x20)
        const big = concat(pad, payload, vec.failAt === "end" ? new Uint8Array(0) : pad)
        const stream = build(big, [])
        const shifted = typeof vec.failAt === "number" ? vec.failAt + 300 : vec.failAt
        const errByte = expectedErrorByte(shifted, stream)
        for (const k of [0, 100, 306 + 1, stream.pos[300]!, stream.pos[300]! + 1, stream.bytes.length - 2]) {
          const r = feed(stream.bytes, [k])
          expect(r.error?.code, `split ${k}`).toBe(errByte === undefined ? undefined : 1007)
          expect(r.error?.kind, `split ${k}`).toBe(errByte === undefined ? undefined : "invalid-utf8")
          if (errByte !== undefined) expect(r.errorAt).toBe(k > errByte ? k : stream.bytes.length)
        }
      })
    })
  }

  it("a frame whose payload is half received reports 1007 from the partial payload", () => {
    // valid 3 KiB of text, then an invalid byte, then more: only the first part is pushed
    const payload = concat(new Uint8Array(3000).fill(0x41), Uint8Array.of(0xc0), new Uint8Array(3000).fill(0x41))
    const { bytes, pos } = build(payload, [])
    expect(feed(bytes, [pos[3000]!, pos[3000]! + 1]).errorAt).toBe(pos[3000]! + 1)
    expect(feed(bytes, [pos[2999]!, pos[3000]! + 1]).errorAt).toBe(pos[3000]! + 1)
  })

  it("a binary message is never UTF-8 validated (§5.6)", () => {
    const r = feed(masked(2, Uint8Array.of(0xff, 0xc0, 0xed, 0xa0, 0x80)))
    expect(r.error).toBeUndefined()
  })
})
