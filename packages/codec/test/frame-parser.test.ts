/**
 * Parser.FrameParser: RFC 6455 §5.7 examples and every framing rule (§5.1–§5.6, §7.4, §10.4), each under
 * several chunkings (whole, byte by byte, every 2-way split).
 */
import { describe, expect, it } from "vitest"
import { concat, MASK } from "@wspipe/test-frames"
import { Bytes, Parser } from "../src/index.js"
import { feed, feedBytewise, masked, recorder, summary, text, unmasked } from "./support/feed.js"

const hex = (s: string) => Uint8Array.from(s.split(/\s+/).filter(Boolean), (h) => parseInt(h, 16))
const client = { role: "client" } as const

/** Feed whole, byte by byte and at every 2-way split; all must give the same events/error. */
const allChunkings = (bytes: Uint8Array, options = {}) => {
  const whole = feed(bytes, [], options)
  const bytewise = feedBytewise(bytes, options)
  expect(bytewise.events).toEqual(whole.events)
  expect(bytewise.error?.code).toBe(whole.error?.code)
  expect(bytewise.error?.kind).toBe(whole.error?.kind)
  for (let k = 0; k <= bytes.length; k++) {
    const split = feed(bytes, [k], options)
    expect(split.events, `split at ${k}`).toEqual(whole.events)
    expect(split.error?.code).toBe(whole.error?.code)
    expect(split.error?.kind).toBe(whole.error?.kind)
  }
  return whole
}

describe("RFC 6455 §5.7 examples", () => {
  it("a single-frame unmasked text message 'Hello' (client role)", () => {
    const r = allChunkings(hex("81 05 48 65 6c 6c 6f"), client)
    expect(r.error).toBeUndefined()
    expect(r.events).toEqual([{ type: "message", kind: "text", data: new TextEncoder().encode("Hello"), rsv: 0 }])
  })

  it("a single-frame masked text message 'Hello' (server role)", () => {
    const r = allChunkings(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
    expect(r.events).toMatchObject([{ type: "message", kind: "text", rsv: 0 }])
    expect(text((r.events[0] as { data: Uint8Array }).data)).toBe("Hello")
  })

  it("a fragmented unmasked text message 'Hel' + 'lo'", () => {
    const r = allChunkings(hex("01 03 48 65 6c  80 02 6c 6f"), client)
    expect(r.events).toHaveLength(1)
    expect(text((r.events[0] as { data: Uint8Array }).data)).toBe("Hello")
  })

  it("unmasked and masked Ping 'Hello', unmasked and masked Pong 'Hello'", () => {
    const hello = new TextEncoder().encode("Hello")
    expect(allChunkings(hex("89 05 48 65 6c 6c 6f"), client).events).toEqual([{ type: "ping", data: hello }])
    expect(allChunkings(hex("89 85 37 fa 21 3d 7f 9f 4d 51 58")).events).toEqual([{ type: "ping", data: hello }])
    expect(allChunkings(hex("8a 05 48 65 6c 6c 6f"), client).events).toEqual([{ type: "pong", data: hello }])
    expect(allChunkings(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58")).events).toEqual([{ type: "pong", data: hello }])
  })

  it("256 bytes binary in a single unmasked frame: 16-bit length 0x7E 0x0100", () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => i)
    const bytes = concat(hex("82 7e 01 00"), data)
    expect(feed(bytes, [], client).events).toEqual([{ type: "message", kind: "binary", data, rsv: 0 }])
    expect(feedBytewise(bytes, client).events).toEqual([{ type: "message", kind: "binary", data, rsv: 0 }])
  })

  it("64 KiB binary in a single unmasked frame: 64-bit length 0x7F 0x0000000000010000", () => {
    const data = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff)
    const bytes = concat(hex("82 7f 00 00 00 00 00 01 00 00"), data)
    const want = summary([{ type: "message", kind: "binary", data, rsv: 0 }])
    for (const cuts of [[], [5], [10], [11, 40000], [65545]]) expect(summary(feed(bytes, cuts, client).events)).toEqual(want)
  })

  it("the same 256 B and 64 KiB payloads masked, split at every mask phase (§5.3)", () => {
    for (const size of [256, 65536]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 13) & 0xff)
      const bytes = masked(2, data)
      const want = summary([{ type: "message", kind: "binary", data, rsv: 0 }])
      for (const cut of [7, 8, 9, 10, 11, 12, 13, 14, 15, 1000, bytes.length - 3]) {
        expect(summary(feed(bytes, [cut]).events), `cut ${cut}`).toEqual(want)
      }
    }
  })
})

describe("lengths (RFC 6455 §5.2)", () => {
  it("empty payloads, 125, 126, 65535, 65536 bytes, and non-minimal length encodings", () => {
    for (const [n, bits] of [
      [0, 7],
      [125, 7],
      [126, 16],
      [65535, 16],
      [65536, 64],
      [5, 16],
      [5, 64]
    ] as const) {
      const data = new Uint8Array(n).fill(0x61)
      const r = feed(masked(1, data, { lengthForm: bits }), [3])
      expect(r.error).toBeUndefined()
      expect(summary(r.events)).toEqual(summary([{ type: "message", kind: "text", data, rsv: 0 }]))
    }
  })

  it("a 64-bit length with the most significant bit set → 1002, from the header alone", () => {
    const r = feed(hex("82 ff 80 00 00 00 00 00 00 05"))
    expect(r.error).toMatchObject({ kind: "invalid-length", code: 1002 })
  })

  it("a frame claiming 2^40 bytes → 1009 as soon as its length is known (§10.4), nothing buffered", () => {
    const { sink } = recorder()
    const parser = new Parser.FrameParser(sink)
    const header = hex("82 ff 00 00 01 00 00 00 00 00") // 2^40, mask not even sent yet
    expect(parser.push(header.slice(0, 9))).toBeUndefined()
    expect(parser.push(header.slice(9))).toMatchObject({ kind: "frame-too-big", code: 1009 })
    expect(parser.bufferedBytes).toBe(0)
  })

  it("maxFrameSize: a frame one byte over the limit → 1009; at the limit → delivered", () => {
    expect(feed(masked(2, new Uint8Array(101)), [], { maxFrameSize: 100 }).error).toMatchObject({ kind: "frame-too-big", code: 1009 })
    expect(feed(masked(2, new Uint8Array(100)), [], { maxFrameSize: 100 }).error).toBeUndefined()
    // decided from the 4-byte header, before any payload arrives
    const { sink } = recorder()
    expect(new Parser.FrameParser(sink, { maxFrameSize: 100 }).push(hex("82 fe 00 65"))).toMatchObject({
      kind: "frame-too-big",
      code: 1009
    })
  })

  it("maxMessageSize counts all fragments, checked at the header of the fragment that overflows", () => {
    const opts = { maxMessageSize: 10 }
    const first = masked(1, "123456", { fin: false })
    const second = masked(0, "12345")
    const r = feed(concat(first, second.subarray(0, 2)), [], opts)
    expect(r.error).toMatchObject({ kind: "message-too-big", code: 1009 })
    expect(feed(concat(first, masked(0, "1234")), [], opts).events).toHaveLength(1)
    expect(feed(masked(2, new Uint8Array(11)), [], opts).error).toMatchObject({ kind: "message-too-big", code: 1009 })
  })
})

describe("masking (RFC 6455 §5.1, §5.3)", () => {
  it("server role: an unmasked frame → 1002 at its second byte", () => {
    const r = feedBytewise(unmasked(1, "hi"))
    expect(r.error).toMatchObject({ kind: "unmasked-frame", code: 1002 })
    expect(r.errorAt).toBe(1)
  })

  it("client role: a masked frame → 1002", () => {
    expect(feed(masked(1, "hi"), [], client).error).toMatchObject({ kind: "masked-frame", code: 1002 })
  })
})

describe("opcodes, RSV bits, control frames (RFC 6455 §5.2, §5.5)", () => {
  it("reserved opcodes 3–7 and 0xB–0xF → 1002 on the first byte", () => {
    for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      const r = feedBytewise(masked(op, "x"))
      expect(r.error, `opcode ${op}`).toMatchObject({ kind: "invalid-opcode", code: 1002 })
      expect(r.errorAt).toBe(0)
    }
  })

  it("RSV bits without a negotiated extension → 1002", () => {
    for (const rsv of [0x40, 0x20, 0x10])
      expect(feed(masked(1, "x", { rsv })).error).toMatchObject({ kind: "rsv-not-negotiated", code: 1002 })
  })

  it("allowedRsv RSV1 on the first frame of a data message is reported; other bits still → 1002", () => {
    const ok = feed(masked(2, "x", { rsv: 0x40 }), [], { allowedRsv: 0x40 })
    expect(ok.events).toMatchObject([{ type: "message", kind: "binary", rsv: 0x40 }])
    const frag = concat(masked(1, "a", { rsv: 0x40, fin: false }), masked(0, "b"))
    expect(feed(frag, [], { allowedRsv: 0x40 }).events).toMatchObject([{ type: "message", kind: "text", rsv: 0x40 }])
    expect(feed(masked(1, "x", { rsv: 0x20 }), [], { allowedRsv: 0x40 }).error).toMatchObject({ kind: "rsv-not-negotiated", code: 1002 })
  })

  it("allowed RSV on a continuation frame or a control frame → 1002", () => {
    const opts = { allowedRsv: 0x40 }
    expect(feed(concat(masked(1, "a", { fin: false }), masked(0, "b", { rsv: 0x40 })), [], opts).error).toMatchObject({
      kind: "rsv-on-continuation",
      code: 1002
    })
    expect(feed(masked(9, "p", { rsv: 0x40 }), [], opts).error).toMatchObject({ kind: "rsv-on-control-frame", code: 1002 })
  })

  it("a control frame with payload > 125 (length code 126) → 1002", () => {
    expect(feed(masked(9, new Uint8Array(126))).error).toMatchObject({ kind: "control-frame-too-big", code: 1002 })
    expect(feed(masked(9, new Uint8Array(125))).events).toHaveLength(1)
  })

  it("a fragmented control frame (FIN=0) → 1002 on the first byte", () => {
    const r = feedBytewise(masked(9, "p", { fin: false }))
    expect(r.error).toMatchObject({ kind: "fragmented-control-frame", code: 1002 })
    expect(r.errorAt).toBe(0)
  })
})

describe("fragmentation (RFC 6455 §5.4)", () => {
  it("a continuation with nothing to continue → 1002", () => {
    expect(feed(masked(0, "x")).error).toMatchObject({ kind: "unexpected-continuation", code: 1002 })
  })

  it("a new data frame while a fragmented message is open → 1002", () => {
    expect(feed(concat(masked(1, "a", { fin: false }), masked(2, "b"))).error).toMatchObject({ kind: "expected-continuation", code: 1002 })
  })

  it("control frames inside a fragmented message are delivered immediately, in order", () => {
    const bytes = concat(
      masked(1, "He", { fin: false }),
      masked(9, "p1"),
      masked(0, "l", { fin: false }),
      masked(10, "p2"),
      masked(0, "lo"),
      masked(2, "next")
    )
    const r = allChunkings(bytes)
    expect(r.events.map((e) => e.type)).toEqual(["ping", "pong", "message", "message"])
    expect(text((r.events[2] as { data: Uint8Array }).data)).toBe("Hello")
  })

  it("many fragments, including empty ones, concatenate to the message", () => {
    const parts = ["", "a", "", "bc", "", "def", ""]
    const bytes = concat(...parts.map((p, i) => masked(i === 0 ? 2 : 0, p, { fin: i === parts.length - 1 })))
    const r = allChunkings(bytes)
    expect(r.events).toEqual([{ type: "message", kind: "binary", data: new TextEncoder().encode("abcdef"), rsv: 0 }])
    const empty = feed(concat(masked(1, "", { fin: false }), masked(0, "")))
    expect(empty.events).toEqual([{ type: "message", kind: "text", data: new Uint8Array(0), rsv: 0 }])
  })
})

describe("close frames (RFC 6455 §5.5.1, §7.1.5, §7.4)", () => {
  const close = (...b: number[]) => masked(8, Uint8Array.from(b))

  it("empty → 1005; code + reason; then the parser stops and ignores later bytes", () => {
    expect(feed(close()).events).toEqual([{ type: "close", code: 1005, reason: "" }])
    const r = allChunkings(concat(close(0x03, 0xe8, 0x62, 0x79, 0x65), masked(1, "after"), hex("ff ff")))
    expect(r.events).toEqual([{ type: "close", code: 1000, reason: "bye" }])
    expect(r.error).toBeUndefined()
    expect(r.parser.idle).toBe(true)
  })

  it("1-byte payload → 1002; code 1005/1006/999/5000 on the wire → 1002; bad UTF-8 reason → 1007", () => {
    expect(feed(close(0x03)).error).toMatchObject({ kind: "invalid-close-payload", code: 1002 })
    for (const c of [1005, 1006, 1015, 999, 5000])
      expect(feed(close(c >> 8, c & 0xff)).error).toMatchObject({ kind: "invalid-close-code", code: 1002 })
    expect(feed(close(0x03, 0xe8, 0xce, 0xba, 0xed, 0xa0, 0x80)).error).toMatchObject({ kind: "invalid-close-reason", code: 1007 })
  })
})

describe("text UTF-8 (RFC 6455 §8.1) — see also frame-parser.utf8.test.ts", () => {
  it("invalid UTF-8 → 1007 from half a frame, before the rest arrives (Autobahn 6.4.x)", () => {
    const payload = concat(new TextEncoder().encode("κόσμε"), hex("f4 90 80 80"), new TextEncoder().encode("edited"))
    const bytes = masked(1, payload)
    const { sink } = recorder()
    const parser = new Parser.FrameParser(sink)
    expect(parser.push(bytes.slice(0, 6 + 13))).toMatchObject({ kind: "invalid-utf8", code: 1007 }) // header + up to the 0x90 byte
  })

  it("a text message truncated mid-sequence → 1007 at the end of the message", () => {
    expect(feed(masked(1, hex("41 e2 82"))).error).toMatchObject({ kind: "invalid-utf8", code: 1007 })
    expect(feed(concat(masked(1, hex("e2"), { fin: false }), masked(0, hex("82 ac")))).error).toBeUndefined()
  })

  it("compressed text (RSV1, negotiated) is not validated by the parser", () => {
    const r = feed(masked(1, hex("ff fe"), { rsv: 0x40 }), [], { allowedRsv: 0x40 })
    expect(r.error).toBeUndefined()
    expect(r.events).toHaveLength(1)
  })
})

describe("parser state, zero-copy, idle and bufferedBytes", () => {
  it("after an error the parser is dead and returns the same error", () => {
    const { events, sink } = recorder()
    const parser = new Parser.FrameParser(sink)
    const err = parser.push(masked(3, "x"))
    expect(err).toMatchObject({ kind: "invalid-opcode", code: 1002 })
    expect(parser.push(masked(1, "fine"))).toBe(err)
    expect(events).toEqual([])
    expect(parser.idle).toBe(false)
  })

  it("a frame inside one chunk is delivered as an unmasked subarray of it (no copy)", () => {
    const chunk = new Uint8Array(concat(masked(2, "abc"), masked(2, "defgh"))) // own ArrayBuffer: offsets from 0
    const seen: Uint8Array[] = []
    const parser = new Parser.FrameParser({ onMessage: (_k, d) => void seen.push(d), onPing() {}, onPong() {}, onClose() {} })
    parser.push(chunk)
    expect(seen.map((d) => [d.buffer === chunk.buffer, d.byteOffset, text(d)])).toEqual([
      [true, 6, "abc"],
      [true, 15, "defgh"]
    ])
  })

  it("idle/bufferedBytes track partial headers, partial payloads and open fragmented messages", () => {
    const { sink } = recorder()
    const parser = new Parser.FrameParser(sink)
    expect(parser.idle).toBe(true)
    const f = masked(2, new Uint8Array(1000))
    parser.push(f.slice(0, 3))
    expect([parser.idle, parser.bufferedBytes]).toEqual([false, 3])
    // Header: 2 + 2 (16-bit length) + 4 (mask) = 8 bytes; 492 payload bytes are held, not the
    // 1000 the header claims (memory follows bytes received).
    parser.push(f.slice(3, 500))
    expect([parser.idle, parser.bufferedBytes]).toEqual([false, 492])
    parser.push(f.slice(500))
    expect([parser.idle, parser.bufferedBytes]).toEqual([true, 0])
    parser.push(masked(1, "abcd", { fin: false }))
    expect([parser.idle, parser.bufferedBytes]).toEqual([false, 4])
    parser.push(masked(0, "e"))
    expect([parser.idle, parser.bufferedBytes]).toEqual([true, 0])
  })

  it("a header claiming a huge frame reserves no memory before its payload arrives (DoS, §10.4)", () => {
    const { sink } = recorder()
    const parser = new Parser.FrameParser(sink, { maxFrameSize: 64 * 1024 * 1024, maxMessageSize: 64 * 1024 * 1024 })
    const header = Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0x03, 0, 0, 0, 1, 2, 3, 4) // 48 MiB, masked
    expect(parser.push(header)).toBeUndefined()
    parser.push(new Uint8Array(10))
    expect([parser.idle, parser.bufferedBytes]).toEqual([false, 10])
  })

  it("unmasks with the right mask phase for every payload piece (mask key " + Array.from(MASK) + ")", () => {
    const data = Uint8Array.from({ length: 700 }, (_, i) => (i * 29 + 3) & 0xff)
    const bytes = masked(2, data)
    for (let step = 1; step <= 9; step++) {
      const cuts: number[] = []
      for (let i = step; i < bytes.length; i += step * 13) cuts.push(i)
      expect(feed(bytes, cuts).events).toEqual([{ type: "message", kind: "binary", data, rsv: 0 }])
    }
  })
})

describe("large-payload unmasking (RFC 6455 §5.3) — WebAssembly SIMD path", () => {
  it("is active on this Node (otherwise the slower JS loop is silently used)", () => {
    expect(Bytes.simdAvailable).toBe(true)
  })

  it("Bytes.unmaskInto equals the reference XOR for sizes around its thresholds, phases, alignments", () => {
    const mask = Uint8Array.of(0x9a, 0x01, 0xff, 0x37)
    for (const len of [0, 1, 511, 512, 513, 4099, 65535, 65536, 65537, 131075]) {
      for (const phase of [0, 1, 2, 3]) {
        for (const [srcOff, dstOff] of [
          [0, 0],
          [1, 0],
          [3, 2],
          [5, 5]
        ] as const) {
          const src = Uint8Array.from({ length: len + srcOff + 3 }, (_, i) => (i * 31 + 7) & 0xff)
          const want = new Uint8Array(len)
          for (let i = 0; i < len; i++) want[i] = src[srcOff + i]! ^ mask[(phase + i) & 3]!
          const dst = new Uint8Array(len + dstOff + 3).fill(0xee)
          Bytes.unmaskInto(src, srcOff, dst, dstOff, len, mask, phase)
          expect(Buffer.from(dst.subarray(dstOff, dstOff + len)).equals(want), `len ${len} phase ${phase}`).toBe(true)
          expect([dst[dstOff - 1], dst[dstOff + len]]).toEqual([dstOff ? 0xee : undefined, 0xee])
          Bytes.unmaskInto(src, srcOff, src, srcOff, len, mask, phase) // in place
          expect(Buffer.from(src.subarray(srcOff, srcOff + len)).equals(want)).toBe(true)
        }
      }
    }
  })
})
