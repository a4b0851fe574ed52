/** Unit tests for the raw client's own frame reader, message assembler, encoder and UTF-8 table. */
import { describe, expect, it } from "vitest"
import { UTF8_GROUPS } from "../src/cases/utf8-data.js"
import { FrameReader, MessageAssembler, isValidUtf8 } from "../src/frame-reader.js"
import { closePayload, encodeFrame, repeatTo } from "../src/frame-writer.js"

const unmasked = (b0: number, payload: Buffer): Buffer => encodeFrame({ opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, payload, mask: false })

describe("FrameReader", () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 70000])("parses an unmasked frame with a %i byte payload", (n) => {
    const payload = repeatTo("abc", n)
    const r = new FrameReader()
    const frames = r.push(unmasked(0x82, payload))
    expect(frames).toHaveLength(1)
    expect(frames[0]).toMatchObject({ fin: true, rsv: 0, opcode: 2, masked: false })
    expect(frames[0]!.payload.equals(payload)).toBe(true)
    expect(r.violations).toEqual([])
    expect(r.pendingBytes).toBe(0)
  })

  it("gives the same frames when fed one byte at a time", () => {
    const bytes = Buffer.concat([unmasked(0x01, Buffer.from("frag")), unmasked(0x89, Buffer.from("ping")), unmasked(0x80, repeatTo("x", 300))])
    const r = new FrameReader()
    const frames = [...bytes].flatMap((b) => r.push(Buffer.from([b])))
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([[1, false, 4], [9, true, 4], [0, true, 300]])
    expect(r.pendingBytes).toBe(0)
  })

  it("returns nothing for an incomplete frame and keeps the bytes", () => {
    const f = unmasked(0x81, Buffer.from("hello"))
    const r = new FrameReader()
    expect(r.push(f.subarray(0, 4))).toEqual([])
    expect(r.pendingBytes).toBe(4)
    expect(r.push(f.subarray(4))).toHaveLength(1)
  })

  it("unmasks masked frames but flags them: a server MUST NOT mask (§5.1)", () => {
    const r = new FrameReader()
    const [f] = r.push(encodeFrame({ opcode: 1, payload: "masked!", mask: Buffer.from([1, 2, 3, 4]) }))
    expect(f!.payload.toString()).toBe("masked!")
    expect(r.violations.join()).toMatch(/masked/)
  })

  it("flags RSV bits, reserved opcodes, long or fragmented control frames", () => {
    const r = new FrameReader()
    r.push(unmasked(0xc1, Buffer.from("x"))) // RSV1
    r.push(unmasked(0x83, Buffer.alloc(0))) // opcode 3
    r.push(unmasked(0x89, Buffer.alloc(126))) // ping with 126 bytes
    r.push(unmasked(0x0a, Buffer.alloc(0))) // pong without FIN
    expect(r.violations).toHaveLength(4)
  })

  it("flags non-minimal length encodings (§5.2)", () => {
    const r = new FrameReader()
    const [f] = r.push(Buffer.from([0x82, 126, 0, 5, 1, 2, 3, 4, 5]))
    expect(f!.payload).toEqual(Buffer.from([1, 2, 3, 4, 5]))
    expect(r.violations.join()).toMatch(/non-minimal/)
  })

  it("stops at a 64-bit length with the MSB set (§5.2)", () => {
    const r = new FrameReader()
    expect(r.push(Buffer.from([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]))).toEqual([])
    expect(r.fatal).toMatch(/most significant bit/)
    expect(r.push(unmasked(0x81, Buffer.from("later")))).toEqual([])
  })
})

describe("MessageAssembler", () => {
  const events = (...frames: Buffer[]) => {
    const r = new FrameReader()
    const a = new MessageAssembler()
    const evs = frames.flatMap((f) => r.push(f)).map((f) => a.push(f)).filter((e) => e !== undefined)
    return { evs, violations: [...r.violations, ...a.violations] }
  }

  it("reassembles a fragmented message with an interleaved ping", () => {
    const { evs, violations } = events(unmasked(0x01, Buffer.from("frag")), unmasked(0x89, Buffer.from("p")), unmasked(0x80, Buffer.from("ment")))
    expect(evs.map((e) => e.type)).toEqual(["ping", "message"])
    expect(evs[1]).toMatchObject({ type: "message", binary: false })
    expect(evs[1]!.type === "message" && evs[1]!.data.toString()).toBe("fragment")
    expect(violations).toEqual([])
  })

  it("parses close code and reason", () => {
    const { evs } = events(unmasked(0x88, closePayload(1002, "bad")))
    expect(evs[0]).toMatchObject({ type: "close", code: 1002 })
  })

  it.each([
    ["a continuation with nothing to continue", [unmasked(0x80, Buffer.from("x"))], /continuation/],
    ["a new message inside a fragmented one", [unmasked(0x01, Buffer.from("a")), unmasked(0x81, Buffer.from("b"))], /inside a fragmented/],
    ["invalid UTF-8 in a text message", [unmasked(0x81, Buffer.from([0xed, 0xa0, 0x80]))], /UTF-8/],
    ["close code 1005 on the wire", [unmasked(0x88, closePayload(1005))], /1005/],
    ["a 1-byte close payload", [unmasked(0x88, Buffer.from([3]))], /1-byte/],
    ["a frame after Close", [unmasked(0x88, closePayload(1000)), unmasked(0x81, Buffer.from("late"))], /after its Close/]
  ] as const)("flags %s", (_, frames, re) => {
    expect(events(...frames).violations.join()).toMatch(re)
  })
})

describe("UTF-8 sequences (6.5.x-6.23.x)", () => {
  it("declared validity agrees with a fatal TextDecoder, and counts match Autobahn", () => {
    for (const g of UTF8_GROUPS) for (const [valid, bytes] of g.items) expect([g.title, bytes.toString("hex"), isValidUtf8(bytes)]).toEqual([g.title, bytes.toString("hex"), valid])
    expect(UTF8_GROUPS.map((g) => g.items.length)).toEqual([5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7])
  })
})
