/**
 * The draft-76 frame parser (draft-hixie-thewebsocketprotocol-76 §5.3): text frames 0x00 … 0xFF,
 * the closing handshake 0xFF 0x00, length-prefixed frames skipped, errors with RFC 6455 codes
 * (1002, 1007, 1009), and any chunking down to one byte. Frames are written out by hand here.
 */
import { describe, expect, it } from "vitest"
import { FrameParser } from "../../src/hixie76/frame-parser.js"
import { bytes, bytewise, feedChunks, splitAt, text } from "./support/feed.js"

describe("text frames", () => {
  const stream = bytes(0x00, "Hello", 0xff, 0x00, 0xff, 0x00, "κόσμε 🎉", 0xff)
  const want = [text("Hello"), text(""), text("κόσμε 🎉")]

  it("in one chunk, one byte at a time, and split at every point", () => {
    expect(feedChunks([stream]).events).toEqual(want)
    expect(feedChunks(bytewise(stream)).events).toEqual(want)
    for (let i = 0; i <= stream.length; i++) {
      const r = feedChunks(splitAt(stream, [i]))
      expect(r.events, `split at ${i}`).toEqual(want)
      expect(r.error).toBeUndefined()
      expect(r.parser.idle).toBe(true)
    }
  })

  it("a frame inside one chunk is a view of it (zero-copy); one spanning chunks is joined", () => {
    const chunk = bytes(0x00, "ab", 0xff, 0x00, "cd", 0xff)
    const one = feedChunks([chunk])
    expect(one.payloads.map((p) => p.buffer)).toEqual([chunk.buffer, chunk.buffer])
    expect(one.payloads[1]!.byteOffset).toBe(5)
    const two = splitAt(bytes(0x00, "abcdef", 0xff), [3, 5])
    const spanning = feedChunks(two)
    expect(spanning.events).toEqual([text("abcdef")])
    for (const c of two) expect(spanning.payloads[0]!.buffer).not.toBe(c.buffer)
  })

  it("idle and bufferedBytes follow a frame in progress", () => {
    const parser = new FrameParser({ onMessage: () => {}, onClose: () => {} })
    parser.push(bytes(0x00, "abc"))
    expect(parser.idle).toBe(false)
    expect(parser.bufferedBytes).toBe(3)
    parser.push(bytes("de", 0xff))
    expect(parser.idle).toBe(true)
    expect(parser.bufferedBytes).toBe(0)
  })
})

describe("the closing handshake (§5.3, §6)", () => {
  it("0xFF 0x00 closes, in any chunking; later bytes are ignored", () => {
    const stream = bytes(0x00, "bye", 0xff, 0xff, 0x00, 0x00, "ignored", 0xff, 0x05)
    for (let i = 0; i <= stream.length; i++) {
      const r = feedChunks(splitAt(stream, [i]))
      expect(r.events).toEqual([text("bye"), "close"])
      expect(r.error).toBeUndefined()
      expect(r.parser.idle).toBe(true)
    }
    expect(feedChunks(bytewise(stream)).events).toEqual([text("bye"), "close"])
  })

  it("a zero length however encoded (0xFF 0x80 0x00) closes; a non-zero length does not", () => {
    expect(feedChunks([bytes(0xff, 0x80, 0x80, 0x00)]).events).toEqual(["close"])
    const r = feedChunks([bytes(0xff, 0x02, 0x41, 0x42, 0x00, "x", 0xff)])
    expect(r.events).toEqual([text("x")]) // 0xFF with length 2: an ordinary skipped frame
  })
})

describe("length-prefixed frames are skipped (§5.3), never buffered", () => {
  it("7-bit groups, most significant first; skipped in any chunking", () => {
    // 0x81 0x00 = 128 bytes, 0x80 0x00 = an empty frame.
    const stream = bytes(0x80, 0x81, 0x00, new Array(128).fill(0xff), 0x80, 0x00, 0xfe, 0x03, 1, 2, 3, 0x00, "after", 0xff)
    for (let i = 0; i <= stream.length; i++) expect(feedChunks(splitAt(stream, [i])).events).toEqual([text("after")])
    expect(feedChunks(bytewise(stream)).events).toEqual([text("after")])
  })

  it("longer than maxMessageSize: still skipped, nothing held", () => {
    const parser = new FrameParser({ onMessage: () => {}, onClose: () => {} }, { maxMessageSize: 10 })
    expect(parser.push(bytes(0x80, 0x88, 0x80, 0x00))).toBeUndefined() // 8 × 16384 = 131072 bytes
    for (let i = 0; i < 128; i++) expect(parser.push(new Uint8Array(1024))).toBeUndefined()
    expect(parser.bufferedBytes).toBe(0)
    expect(parser.idle).toBe(true)
  })

  it("a length field past 2^53 − 1 fails with 1009", () => {
    const r = feedChunks([bytes(0x80, new Array(8).fill(0xff), 0x7f)])
    expect(r.error?.code).toBe(1009)
  })
})

describe("errors (RFC 6455 codes for the handler)", () => {
  it("an undefined frame type 0x01–0x7F fails with 1002 at its type byte", () => {
    for (const type of [0x01, 0x41, 0x7f]) {
      const r = feedChunks(bytewise(bytes(0x00, "ok", 0xff, type, "x", 0xff)))
      expect(r.events).toEqual([text("ok")])
      expect(r.error?.code).toBe(1002)
      expect(r.errorChunk).toBe(4)
    }
  })

  it("the first error sticks and later pushes return it", () => {
    const parser = new FrameParser({ onMessage: () => {}, onClose: () => {} })
    const error = parser.push(bytes(0x10))
    expect(parser.push(bytes(0x00, "x", 0xff))).toBe(error)
    expect(parser.idle).toBe(false)
  })

  it.each([
    ["overlong '/'", bytes(0x00, "ab", 0xc0, 0xaf, "cd", 0xff), 3],
    ["unexpected continuation", bytes(0x00, 0x80, 0xff), 1],
    ["surrogate U+D800", bytes(0x00, 0xed, 0xa0, 0x80, 0xff), 2],
    ["above U+10FFFF", bytes(0x00, 0xf4, 0x90, 0x80, 0x80, 0xff), 2],
    ["bad byte right after a good message", bytes(0x00, "é", 0xff, 0x00, "a", 0xfe), 6]
  ])("invalid UTF-8 (%s) fails with 1007 at the first bad byte, before any 0xFF", (_name, stream, at) => {
    const r = feedChunks(bytewise(stream))
    expect(r.error?.code).toBe(1007)
    expect(r.errorChunk).toBe(at)
    // Whole, and without its end: the same error as soon as the bad byte is in.
    expect(feedChunks([stream]).error?.code).toBe(1007)
    expect(feedChunks([stream.slice(0, at + 1)]).error?.code).toBe(1007)
  })

  it("a sequence cut by the 0xFF fails with 1007 at the 0xFF", () => {
    const r = feedChunks(bytewise(bytes(0x00, "a", 0xe2, 0x82, 0xff)))
    expect(r.error?.code).toBe(1007)
    expect(r.errorChunk).toBe(4)
    expect(r.events).toEqual([])
  })
})

describe("maxMessageSize", () => {
  const limit = { maxMessageSize: 10 }

  it("a frame of exactly the limit passes, in any chunking", () => {
    const stream = bytes(0x00, "0123456789", 0xff)
    for (let i = 0; i <= stream.length; i++) expect(feedChunks(splitAt(stream, [i]), limit).events).toEqual([text("0123456789")])
  })

  it("one byte more fails with 1009 at that byte, without waiting for the 0xFF", () => {
    const stream = bytes(0x00, "0123456789A")
    const r = feedChunks(bytewise(stream), limit)
    expect(r.error?.code).toBe(1009)
    expect(r.error?.reason).toBe("message too big")
    expect(r.errorChunk).toBe(11)
    expect(feedChunks([stream], limit).error?.code).toBe(1009)
    expect(feedChunks([bytes(stream, 0xff)], limit).error?.code).toBe(1009)
    expect(feedChunks(splitAt(bytes(stream, 0xff), [5, 9]), limit).error?.code).toBe(1009)
  })

  it("applies per frame: many frames at the limit pass", () => {
    const frame = bytes(0x00, "0123456789", 0xff)
    const r = feedChunks([bytes(frame, frame, frame)], limit)
    expect(r.events).toHaveLength(3)
  })

  it("a NaN or negative limit falls back to the default; Infinity means none", () => {
    for (const maxMessageSize of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(feedChunks([bytes(0x00, "abc", 0xff)], { maxMessageSize }).events).toEqual([text("abc")])
    }
    expect(feedChunks([bytes(0x00, "a", 0xff)], { maxMessageSize: 0 }).error?.code).toBe(1009)
  })

  it("the default (64 MiB) lets a 1 MiB frame through, joined from pieces", () => {
    const payload = new Uint8Array(1 << 20).fill(0x61)
    const stream = bytes(0x00, payload, 0xff)
    const r = feedChunks(splitAt(stream, [1000, 500_000, 900_000]))
    expect(r.events).toEqual([`text:${Buffer.from(payload).toString("base64")}`])
  })
})
