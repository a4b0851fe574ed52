/** The server-frame reader and message assembler: parsing in any chunking, and every check. */
import { describe, expect, it } from "vitest"
import {
  checkClose,
  closeCodeOf,
  closePayload,
  decodeFrames,
  frame,
  FrameReader,
  isValidUtf8,
  MessageAssembler,
  Op,
  parseClose,
  repeatTo,
  Rsv,
  type ReadFrame
} from "../src/index.js"

/** An unmasked frame, as a server sends them. */
const server = (opcode: number, payload: Uint8Array | string, fin = true, rsv = 0) => frame(opcode, payload, { fin, rsv, mask: false })

describe("FrameReader", () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 70000])("reads an unmasked frame with a %i byte payload", (n) => {
    const payload = repeatTo("abc", n)
    const r = new FrameReader()
    const frames = r.push(server(Op.Binary, payload))
    expect(frames).toHaveLength(1)
    expect(frames[0]).toMatchObject({ fin: true, rsv: 0, opcode: Op.Binary, masked: false })
    expect(frames[0]!.payload.equals(payload)).toBe(true)
    expect(r.violations).toEqual([])
    expect(r.pendingBytes).toBe(0)
  })

  it("gives the same frames fed one byte at a time", () => {
    const bytes = Buffer.concat([server(Op.Text, "frag", false), server(Op.Ping, "ping"), server(Op.Continuation, repeatTo("x", 300))])
    const r = new FrameReader()
    const frames = [...bytes].flatMap((b) => r.push(Buffer.from([b])))
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([
      [1, false, 4],
      [9, true, 4],
      [0, true, 300]
    ])
    expect(r.pendingBytes).toBe(0)
  })

  it("keeps an incomplete frame's bytes until the rest arrives", () => {
    const f = server(Op.Text, "hello")
    const r = new FrameReader()
    expect(r.push(f.subarray(0, 4))).toEqual([])
    expect(r.pendingBytes).toBe(4)
    expect(r.push(f.subarray(4))).toHaveLength(1)
  })

  it("unmasks a masked frame but flags it: a server MUST NOT mask (§5.1)", () => {
    const r = new FrameReader()
    const [f] = r.push(frame(Op.Text, "masked!", { mask: Uint8Array.of(1, 2, 3, 4) }))
    expect(f!.payload.toString()).toBe("masked!")
    expect(r.violations.join()).toMatch(/masked/)
  })

  it("flags RSV bits, reserved opcodes, long or fragmented control frames (§5.2, §5.5)", () => {
    const r = new FrameReader()
    r.push(server(Op.Text, "x", true, Rsv.Rsv1))
    r.push(server(3, ""))
    r.push(server(Op.Ping, new Uint8Array(126)))
    r.push(server(Op.Pong, "", false))
    expect(r.violations).toHaveLength(4)
  })

  it("accepts the RSV bits of a negotiated extension", () => {
    const r = new FrameReader({ allowedRsv: Rsv.Rsv1 })
    expect(r.push(server(Op.Text, "x", true, Rsv.Rsv1))).toMatchObject([{ rsv: 0x40 }])
    expect(r.violations).toEqual([])
  })

  it("flags non-minimal length encodings (§5.2)", () => {
    const r = new FrameReader()
    const [a] = r.push(frame(Op.Binary, "12345", { mask: false, lengthForm: 16 }))
    const [b] = r.push(frame(Op.Binary, "12345", { mask: false, lengthForm: 64 }))
    expect([a!.payload.toString(), b!.payload.toString()]).toEqual(["12345", "12345"])
    expect(r.violations.join()).toMatch(/non-minimal 16-bit.*non-minimal 64-bit/)
  })

  it("stops at a 64-bit length with the MSB set (§5.2), or over its limit", () => {
    const r = new FrameReader()
    expect(r.push(frame(Op.Binary, "", { mask: false, length: 2n ** 63n + 1n }))).toEqual([])
    expect(r.fatal).toMatch(/most significant bit/)
    expect(r.push(server(Op.Text, "later"))).toEqual([])
    const small = new FrameReader({ maxPayload: 10 })
    expect(small.push(frame(Op.Binary, "", { mask: false, length: 2n ** 53n + 1n }))).toEqual([])
    expect(small.fatal).toMatch(/exceeds the reader's limit/)
  })
})

describe("decodeFrames, closeCodeOf", () => {
  it("decodes whole frames; throws on a cut frame or a violation", () => {
    const frames = decodeFrames(Buffer.concat([server(Op.Text, "hi"), server(Op.Close, closePayload(1001))]))
    expect(frames.map((f) => f.opcode)).toEqual([Op.Text, Op.Close])
    expect(closeCodeOf(frames)).toBe(1001)
    expect(() => decodeFrames(server(Op.Text, "hello").subarray(0, 4))).toThrow(/truncated/)
    expect(() => decodeFrames(frame(Op.Text, "hi"))).toThrow(/masked/)
  })

  it("closeCodeOf: undefined without a Close, 1005 for a Close without a code (§7.1.5)", () => {
    const text: ReadFrame = { fin: true, rsv: 0, opcode: Op.Text, masked: false, payload: Buffer.from("x") }
    expect(closeCodeOf([text])).toBeUndefined()
    expect(closeCodeOf(decodeFrames(server(Op.Close, "")))).toBe(1005)
  })
})

describe("MessageAssembler", () => {
  const events = (...frames: Buffer[]) => {
    const r = new FrameReader()
    const a = new MessageAssembler()
    const evs = frames
      .flatMap((f) => r.push(f))
      .map((f) => a.push(f))
      .filter((e) => e !== undefined)
    return { evs, violations: [...r.violations, ...a.violations] }
  }

  it("reassembles a fragmented message with an interleaved ping", () => {
    const { evs, violations } = events(server(Op.Text, "frag", false), server(Op.Ping, "p"), server(Op.Continuation, "ment"))
    expect(evs.map((e) => e.type)).toEqual(["ping", "message"])
    expect(evs[1]).toMatchObject({ type: "message", kind: "text" })
    expect(evs[1]!.type === "message" && evs[1]!.data.toString()).toBe("fragment")
    expect(violations).toEqual([])
  })

  it("reports the Close code, reason and raw payload", () => {
    expect(events(server(Op.Close, closePayload(1002, "bad"))).evs).toEqual([
      { type: "close", code: 1002, reason: "bad", payload: closePayload(1002, "bad") }
    ])
    expect(events(server(Op.Close, "")).evs).toMatchObject([{ type: "close", code: undefined, reason: "" }])
  })

  it.each([
    ["a continuation with nothing to continue", [server(Op.Continuation, "x")], /continuation/],
    ["a new message inside a fragmented one", [server(Op.Text, "a", false), server(Op.Text, "b")], /inside a fragmented/],
    ["invalid UTF-8 in a text message", [server(Op.Text, Uint8Array.of(0xed, 0xa0, 0x80))], /UTF-8/],
    ["close code 1005 on the wire", [server(Op.Close, closePayload(1005))], /1005/],
    ["a close reason that is not UTF-8", [server(Op.Close, closePayload(1000, Uint8Array.of(0xff)))], /reason/],
    ["a 1-byte close payload", [server(Op.Close, Uint8Array.of(3))], /1-byte/],
    ["a frame after Close", [server(Op.Close, closePayload(1000)), server(Op.Text, "late")], /after its Close/]
  ] as const)("flags %s", (_, frames, re) => {
    expect(events(...frames).violations.join()).toMatch(re)
  })
})

describe("close payloads and UTF-8", () => {
  it("parseClose and checkClose (§5.5.1, §7.4)", () => {
    expect(parseClose(closePayload(4000, "é"))).toEqual({ code: 4000, reason: "é" })
    expect(parseClose(Buffer.alloc(0))).toEqual({ code: undefined, reason: "" })
    expect(checkClose(closePayload(1000, "fine"))).toEqual([])
    expect(checkClose(closePayload(1016))).toHaveLength(1)
  })

  it("isValidUtf8 rejects overlongs, surrogates and truncated sequences", () => {
    expect(isValidUtf8(Buffer.from("κόσμε 𝄞"))).toBe(true)
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80]
    ]) {
      expect(isValidUtf8(Uint8Array.from(bad)), bad.join()).toBe(false)
    }
  })
})
