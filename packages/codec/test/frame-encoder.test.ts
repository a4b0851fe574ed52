import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Encoder, Opcode, ProtocolError } from "../src/index.js"
import { decodeWithWs } from "./ws-oracle.js"

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
const bytesOf = (...xs: Array<number>): string => hex(Uint8Array.from(xs))
const HELLO = Buffer.from("Hello")
const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d)

/** Independent header walker (RFC 6455 §5.2) used to check frame structure. */
const walk = (buf: Uint8Array) => {
  const frames: Array<{ fin: boolean; rsv: number; opcode: number; masked: boolean; length: number }> = []
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let o = 0
  while (o < buf.length) {
    const b0 = buf[o]!,
      b1 = buf[o + 1]!
    let length = b1 & 0x7f
    o += 2
    if (length === 126) {
      length = view.getUint16(o)
      o += 2
    } else if (length === 127) {
      length = Number(view.getBigUint64(o))
      o += 8
    }
    const masked = (b1 & 0x80) !== 0
    o += (masked ? 4 : 0) + length
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, masked, length })
  }
  expect(o).toBe(buf.length)
  return frames
}

describe("RFC 6455 §5.7 examples", () => {
  it("single-frame unmasked text 'Hello' = 81 05 48 65 6c 6c 6f", () => {
    const expected = bytesOf(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f)
    expect(hex(Encoder.text("Hello"))).toBe(expected)
    expect(hex(Encoder.frame(Opcode.Text, HELLO))).toBe(expected)
    expect(hex(Encoder.message("text", "Hello"))).toBe(expected)
    expect(hex(Encoder.message("text", HELLO))).toBe(expected)
  })

  it("single-frame masked text 'Hello' with key 37 fa 21 3d (§5.3) and payload left untouched", () => {
    const expected = bytesOf(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58)
    const payload = Buffer.from("Hello")
    expect(hex(Encoder.frame(Opcode.Text, payload, { mask: MASK }))).toBe(expected)
    expect(payload.toString()).toBe("Hello")
    expect(hex(Encoder.message("text", "Hello", { mask: MASK }))).toBe(expected)
  })

  it("fragmented unmasked text: 01 03 48 65 6c ('Hel') then 80 02 6c 6f ('lo')", () => {
    const first = bytesOf(0x01, 0x03, 0x48, 0x65, 0x6c)
    const last = bytesOf(0x80, 0x02, 0x6c, 0x6f)
    expect(hex(Encoder.frame(Opcode.Text, Buffer.from("Hel"), { fin: false }))).toBe(first)
    expect(hex(Encoder.frame(Opcode.Continuation, Buffer.from("lo")))).toBe(last)
    expect(hex(Encoder.message("text", "Hello", { fragmentSize: 3 }))).toBe(first + last)
    expect(hex(Encoder.message("text", HELLO, { fragmentSize: 3 }))).toBe(first + last)
  })

  it("unmasked ping 'Hello' = 89 05 …; masked pong = 8a 85 37 fa 21 3d 7f 9f 4d 51 58", () => {
    expect(hex(Encoder.ping(HELLO))).toBe(bytesOf(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f))
    expect(hex(Encoder.pong(HELLO))).toBe(bytesOf(0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f))
    expect(hex(Encoder.frame(Opcode.Pong, HELLO, { mask: MASK }))).toBe(
      bytesOf(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58)
    )
    expect(hex(Encoder.ping())).toBe("8900")
    expect(hex(Encoder.pong())).toBe("8a00")
  })

  it("256 bytes binary in a single unmasked frame: 82 7E 01 00 + payload", () => {
    const payload = Buffer.alloc(256, 0xab)
    const frame = Encoder.binary(payload)
    expect(frame.length).toBe(4 + 256)
    expect(hex(frame.subarray(0, 4))).toBe("827e0100")
    expect(hex(frame.subarray(4))).toBe(hex(payload))
  })

  it("64 KiB binary in a single unmasked frame: 82 7F 00 00 00 00 00 01 00 00 + payload", () => {
    const payload = Buffer.alloc(65536)
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff
    const frame = Encoder.binary(payload)
    expect(frame.length).toBe(10 + 65536)
    expect(hex(frame.subarray(0, 10))).toBe("827f0000000000010000")
    expect(Buffer.compare(frame.subarray(10), payload)).toBe(0)
  })
})

describe("payload length encodings at the boundaries (RFC 6455 §5.2)", () => {
  const cases: Array<[number, string]> = [
    [0, "8200"],
    [1, "8201"],
    [125, "827d"],
    [126, "827e007e"],
    [127, "827e007f"],
    [65535, "827effff"],
    [65536, "827f0000000000010000"],
    [65537, "827f0000000000010001"],
    [1_000_000, "827f00000000000f4240"],
    [16_777_217, "827f0000000001000001"] // exercises every byte of the low 32 bits
  ]
  for (const [length, header] of cases) {
    it(`${length} bytes → header ${header}, decoded by ws`, async () => {
      const payload = Buffer.alloc(length)
      for (let i = 0; i < length; i++) payload[i] = (i * 7 + 3) & 0xff
      const frame = Encoder.binary(payload)
      expect(hex(frame.subarray(0, header.length / 2))).toBe(header)
      expect(frame.length).toBe(Encoder.headerLength(length, false) + length)
      const decoded = await decodeWithWs(frame, { isServer: false, chunkSize: length > 1e6 ? 65536 : 1000 })
      expect(decoded.errors).toEqual([])
      expect(decoded.messages).toHaveLength(1)
      expect(decoded.messages[0]!.isBinary).toBe(true)
      expect(Buffer.compare(decoded.messages[0]!.data, payload)).toBe(0)
    })
  }

  it("Encoder.headerLength: 2/4/10 bytes, +4 when masked", () => {
    expect([0, 125, 126, 65535, 65536, 2 ** 40].map((n) => Encoder.headerLength(n, false))).toEqual([2, 2, 4, 4, 10, 10])
    expect([0, 125, 126, 65535, 65536].map((n) => Encoder.headerLength(n, true))).toEqual([6, 6, 8, 8, 14])
  })

  it("masked frames at every boundary are decoded by ws in server mode", async () => {
    for (const length of [0, 1, 3, 125, 126, 65535, 65536, 70001]) {
      const payload = Buffer.alloc(length, 0x5a)
      const frame = Encoder.frame(Opcode.Binary, payload, { mask: MASK })
      expect(frame[1]! & 0x80).toBe(0x80)
      expect(frame.length).toBe(Encoder.headerLength(length, true) + length)
      const decoded = await decodeWithWs(frame, { isServer: true, chunkSize: 4096 })
      expect(decoded.errors).toEqual([])
      expect(Buffer.compare(decoded.messages[0]!.data, payload)).toBe(0)
    }
  })
})

describe("header bits (RFC 6455 §5.2)", () => {
  it("rsv bits are set on the first byte; bits outside RSV1–3 are ignored", () => {
    expect(Encoder.frame(Opcode.Text, HELLO, { rsv: 0x40 })[0]).toBe(0xc1)
    expect(Encoder.frame(Opcode.Binary, HELLO, { rsv: 0x70, fin: false })[0]).toBe(0x72)
    expect(Encoder.frame(Opcode.Binary, HELLO, { rsv: 0x8f })[0]).toBe(0x82)
  })

  it("text is UTF-8 encoded straight into the frame; lone surrogates become U+FFFD", async () => {
    const text = "€ 😀 ünïcödé"
    const frame = Encoder.text(text)
    expect(hex(frame.subarray(2))).toBe(hex(Buffer.from(text, "utf8")))
    expect(frame[1]).toBe(Buffer.byteLength(text))
    expect(hex(Encoder.text("a\ud800b").subarray(2))).toBe("61efbfbd62")
    const decoded = await decodeWithWs(Buffer.concat([frame, Encoder.text("x".repeat(300))]), { isServer: false })
    expect(decoded.messages.map((m) => m.data.toString())).toEqual([text, "x".repeat(300)])
    expect(hex(Encoder.text(""))).toBe("8100")
  })
})

describe("string payloads on every write path equal Buffer.from(text) (RFC 6455 §5.6)", () => {
  // ASCII ≤ 48 units (JS loop), longer ASCII (latin1 writer), non-ASCII (UTF-8 writer).
  const twoByteAscii = ("é" + "a".repeat(100)).slice(1) // ASCII content, possibly two-byte backed
  const strings = [
    "",
    "a",
    "x".repeat(47),
    "x".repeat(48),
    "x".repeat(49),
    "y".repeat(300),
    twoByteAscii,
    "é",
    "x".repeat(47) + "é",
    "é" + "x".repeat(60),
    "\u007f\u0080",
    "😀".repeat(30),
    "\ud800",
    "x".repeat(40) + "\udc00",
    "\udbff\udfff"
  ]
  it("Encoder.text / Encoder.message / fragmented / masked / close reason", async () => {
    for (const text of strings) {
      const expected = hex(Buffer.from(text, "utf8"))
      const single = Encoder.text(text)
      expect(hex(single.subarray(Encoder.headerLength(Buffer.byteLength(text), false)))).toBe(expected)
      expect(hex(Encoder.message("text", text))).toBe(hex(single))
      const parts = await decodeWithWs(Encoder.message("binary", text, { fragmentSize: 7 }), { isServer: false })
      expect(hex(parts.messages[0]!.data)).toBe(expected)
      const masked = await decodeWithWs(Encoder.message("binary", text, { mask: MASK }), { isServer: true })
      expect(hex(masked.messages[0]!.data)).toBe(expected)
      if (Buffer.byteLength(text) <= 123) {
        expect(hex(Encoder.close(1000, text).subarray(4))).toBe(expected)
      }
    }
  })
})

describe("close frames (RFC 6455 §5.5.1)", () => {
  it("no code → empty payload; code → 2-byte network order; reason follows in UTF-8", async () => {
    expect(hex(Encoder.close())).toBe("8800")
    expect(hex(Encoder.close(undefined, "ignored"))).toBe("8800")
    expect(hex(Encoder.close(1000))).toBe("880203e8")
    expect(hex(Encoder.close(1001, "bye"))).toBe("880503e9627965")
    expect(hex(Encoder.close(4999))).toBe("8802" + "1387")
    const decoded = await decodeWithWs(Encoder.close(4000, "héllo wörld"), { isServer: false })
    expect(decoded.closes).toEqual([{ code: 4000, reason: "héllo wörld" }])
    const empty = await decodeWithWs(Encoder.close(), { isServer: false })
    expect(empty.closes).toEqual([{ code: 1005, reason: "" }])
  })

  it("a 123-byte reason still fits the 7-bit length (125 bytes payload)", () => {
    const frame = Encoder.close(1000, "r".repeat(123))
    expect(frame[1]).toBe(125)
    expect(frame.length).toBe(127)
  })
})

describe("Encoder.checkControlPayload (RFC 6455 §5.5)", () => {
  it("accepts ≤ 125 bytes and returns a typed ProtocolError(1002) above", () => {
    expect(Encoder.checkControlPayload(new Uint8Array(0))).toBeUndefined()
    expect(Encoder.checkControlPayload(new Uint8Array(125))).toBeUndefined()
    expect(Encoder.checkControlPayload(125)).toBeUndefined()
    const err = Encoder.checkControlPayload(new Uint8Array(126))
    expect(err).toBeInstanceOf(ProtocolError)
    expect(err?._tag).toBe("ProtocolError")
    expect(err?.code).toBe(1002)
    expect(err?.kind).toBe("control-frame-too-big")
    expect(Encoder.checkControlPayload(1000)?.reason).toMatch(/1000 bytes/)
  })

  it("ws rejects the frame Encoder.checkControlPayload warns about (precondition is real)", async () => {
    const decoded = await decodeWithWs(Encoder.ping(new Uint8Array(126)), { isServer: false })
    expect(decoded.errors.length).toBeGreaterThan(0)
    expect(decoded.pings).toEqual([])
  })
})

describe("Encoder.message fragmentation (RFC 6455 §5.4)", () => {
  it("first frame has the opcode and FIN=0, continuations opcode 0, last FIN=1", () => {
    const frames = walk(Encoder.message("binary", new Uint8Array(100_000), { fragmentSize: 16_384 }))
    expect(frames).toHaveLength(7)
    expect(frames.map((f) => f.opcode)).toEqual([2, 0, 0, 0, 0, 0, 0])
    expect(frames.map((f) => f.fin)).toEqual([false, false, false, false, false, false, true])
    expect(frames.map((f) => f.length)).toEqual([16384, 16384, 16384, 16384, 16384, 16384, 1696])
  })

  it("exact multiple of fragmentSize has no empty trailing frame", () => {
    const frames = walk(Encoder.message("text", "abcdef", { fragmentSize: 2 }))
    expect(frames.map((f) => [f.opcode, f.fin, f.length])).toEqual([
      [1, false, 2],
      [0, false, 2],
      [0, true, 2]
    ])
  })

  it("rsv only on the first frame (RFC 7692 §6)", () => {
    const frames = walk(Encoder.message("binary", new Uint8Array(10), { fragmentSize: 4, rsv: 0x40 }))
    expect(frames.map((f) => f.rsv)).toEqual([0x40, 0, 0])
  })

  it("fragmentSize ≥ length, missing, 0, negative, NaN or Infinity → one frame; fractions floor", () => {
    const one = hex(Encoder.text("Hello"))
    for (const fragmentSize of [5, 6, 1e9, 0, -3, NaN, Infinity, 0.5]) {
      expect(hex(Encoder.message("text", "Hello", { fragmentSize }))).toBe(one)
    }
    expect(walk(Encoder.message("text", "Hello", { fragmentSize: 2.9 })).map((f) => f.length)).toEqual([2, 2, 1])
    expect(walk(Encoder.message("binary", new Uint8Array(0), { fragmentSize: 1 }))).toEqual([
      { fin: true, rsv: 0, opcode: 2, masked: false, length: 0 }
    ])
  })

  it("text split inside UTF-8 sequences round-trips through ws for every fragment size", async () => {
    const text = "ab€😀ü" + "ñ".repeat(40) + "😀".repeat(40)
    for (let fragmentSize = 1; fragmentSize <= 12; fragmentSize++) {
      const bytes = Encoder.message("text", text, { fragmentSize })
      const frames = walk(bytes)
      expect(frames.length).toBe(Math.ceil(Buffer.byteLength(text) / fragmentSize))
      const decoded = await decodeWithWs(bytes, { isServer: false, chunkSize: 5 })
      expect(decoded.errors).toEqual([])
      expect(decoded.messages.map((m) => [m.data.toString(), m.isBinary])).toEqual([[text, false]])
    }
  })

  it("large text across 16/64-bit fragment headers round-trips through ws", async () => {
    const text = "∑".repeat(50_000) // 150 000 bytes
    for (const fragmentSize of [100, 70_000, 149_999]) {
      const decoded = await decodeWithWs(Encoder.message("text", text, { fragmentSize }), {
        isServer: false,
        chunkSize: 65536
      })
      expect(decoded.messages.map((m) => m.data.toString() === text)).toEqual([true])
    }
  })

  it("property: any payload/kind/fragmentSize/mask decodes in ws to the same message", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), fc.uint8Array({ maxLength: 70_000 })),
        fc.option(fc.integer({ min: 1, max: 70_000 }), { nil: undefined }),
        fc.boolean(),
        async (data, fragmentSize, masked) => {
          const kind = typeof data === "string" ? "text" : "binary"
          const bytes = Encoder.message(kind, data, masked ? { fragmentSize, mask: MASK } : { fragmentSize })
          const decoded = await decodeWithWs(bytes, { isServer: masked, chunkSize: 8192 })
          expect(decoded.errors).toEqual([])
          expect(decoded.messages).toHaveLength(1)
          const expected = typeof data === "string" ? Buffer.from(data) : Buffer.from(data)
          expect(hex(decoded.messages[0]!.data)).toBe(hex(expected))
          expect(decoded.messages[0]!.isBinary).toBe(kind === "binary")
        }
      ),
      { numRuns: 150 }
    )
  })

  it("does not modify the caller's payload when masking", () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff)
    const copy = Uint8Array.from(data)
    Encoder.message("binary", data, { fragmentSize: 300, mask: MASK })
    Encoder.frame(Opcode.Binary, data, { mask: MASK })
    expect(data).toEqual(copy)
  })

  it("a stream of many frames fed in odd chunks decodes in order (ws)", async () => {
    const parts = [
      Encoder.text("one"),
      Encoder.ping(Buffer.from("p")),
      Encoder.binary(new Uint8Array(300).fill(9)),
      Encoder.message("text", "fragmented message", { fragmentSize: 4 }),
      Encoder.pong(),
      Encoder.close(1000, "done")
    ]
    const decoded = await decodeWithWs(Buffer.concat(parts), { isServer: false, chunkSize: 3 })
    expect(decoded.errors).toEqual([])
    expect(decoded.messages.map((m) => (m.isBinary ? m.data.length : m.data.toString()))).toEqual(["one", 300, "fragmented message"])
    expect(decoded.pings.map((p) => p.toString())).toEqual(["p"])
    expect(decoded.pongs).toHaveLength(1)
    expect(decoded.closes).toEqual([{ code: 1000, reason: "done" }])
  })
})

describe("RFC 6455 §5.2 header-only encoding (large payloads written without a copy)", () => {
  it("Encoder.header + payload equals Encoder.frame for every length encoding", () => {
    for (const n of [0, 125, 126, 65535, 65536, 70000]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff)
      const [header, body] = Encoder.parts(Opcode.Binary, payload)
      expect(body).toBe(payload)
      expect(Buffer.concat([header, body])).toEqual(Buffer.from(Encoder.frame(Opcode.Binary, payload)))
    }
    expect([...Encoder.header(Opcode.Binary, 256)]).toEqual([0x82, 0x7e, 0x01, 0x00])
    expect([...Encoder.header(Opcode.Text, 3, { fin: false })]).toEqual([0x01, 0x03])
  })
})
