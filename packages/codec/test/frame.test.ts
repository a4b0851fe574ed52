import { describe, expect, it } from "vitest"
import { Encoder, Frame } from "../src/index.js"
import { decodeWithWs } from "./ws-oracle.js"

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

describe("Frame: pre-framed messages (RFC 6455 §5.2, §5.7 examples)", () => {
  it("Frame.text('Hello') carries 81 05 48 65 6c 6c 6f (§5.7)", () => {
    const frame = Frame.text("Hello")
    expect(frame._tag).toBe("Frame")
    expect(frame.kind).toBe("text")
    expect(hex(frame.bytes)).toBe("810548656c6c6f")
  })

  it("Frame.text with fragmentSize: 01 03 'Hel' + 80 02 'lo' (§5.4, §5.7)", () => {
    expect(hex(Frame.text("Hello", { fragmentSize: 3 }).bytes)).toBe("010348656c" + "80026c6f")
  })

  it("Frame.binary: same bytes as the encoder, 16-bit length for 256 B (§5.7)", () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => i & 0xff)
    const frame = Frame.binary(data)
    expect(frame.kind).toBe("binary")
    expect(hex(frame.bytes.subarray(0, 4))).toBe("827e0100")
    expect(hex(frame.bytes)).toBe(hex(Encoder.binary(data)))
    expect(hex(Frame.binary(data, { fragmentSize: 100 }).bytes)).toBe(hex(Encoder.message("binary", data, { fragmentSize: 100 })))
  })

  it("Frame.binary copies its input: later changes to the source do not leak into the frame", () => {
    const data = Uint8Array.of(1, 2, 3)
    const frame = Frame.binary(data)
    data[0] = 99
    expect(hex(frame.bytes)).toBe("8203010203")
  })

  it("control frames: ping/pong (§5.5.2, §5.5.3) and close (§5.5.1)", async () => {
    expect(Frame.ping().kind).toBe("ping")
    expect(hex(Frame.ping().bytes)).toBe("8900")
    expect(hex(Frame.ping(Buffer.from("Hello")).bytes)).toBe("890548656c6c6f")
    expect(Frame.pong(Buffer.from("Hello")).kind).toBe("pong")
    expect(hex(Frame.pong(Buffer.from("Hello")).bytes)).toBe("8a0548656c6c6f")
    expect(Frame.close().kind).toBe("close")
    expect(hex(Frame.close().bytes)).toBe("8800")
    expect(hex(Frame.close(1000).bytes)).toBe("880203e8")
    const decoded = await decodeWithWs(Frame.close(1001, "server restarting").bytes, { isServer: false })
    expect(decoded.closes).toEqual([{ code: 1001, reason: "server restarting" }])
  })

  it("isFrame recognises Frames and rejects look-alikes", () => {
    expect(Frame.isFrame(Frame.text("x"))).toBe(true)
    expect(Frame.isFrame(Frame.close())).toBe(true)
    expect(Frame.isFrame({ _tag: "Frame", kind: "text", bytes: new Uint8Array(1) })).toBe(true)
    for (const u of [
      null,
      undefined,
      "Frame",
      42,
      Encoder.text("x"),
      { _tag: "Frame" },
      { _tag: "Frame", kind: "text", bytes: [0x81, 0] },
      { _tag: "Other", kind: "text", bytes: new Uint8Array(1) },
      { _tag: "Frame", bytes: new Uint8Array(1) }
    ]) {
      expect(Frame.isFrame(u)).toBe(false)
    }
  })
})

describe("Frame broadcast: framed once, sent to many (RFC 6455 §5.1: server frames unmasked)", () => {
  it("the same bytes decode identically at every receiver and are never modified", async () => {
    const text = "broadcast ✓ " + "x".repeat(70_000)
    const frame = Frame.text(text, { fragmentSize: 16_384 })
    const before = hex(frame.bytes)
    for (let client = 0; client < 5; client++) {
      // decodeWithWs hands ws a copy; here we also check writing the original is side-effect free.
      const decoded = await decodeWithWs(frame.bytes, { isServer: false, chunkSize: 1000 * (client + 1) })
      expect(decoded.errors).toEqual([])
      expect(decoded.messages.map((m) => m.data.toString() === text)).toEqual([true])
    }
    expect(hex(frame.bytes)).toBe(before)
  })

  it("a stream mixing Frames and control Frames decodes in order", async () => {
    const stream = Buffer.concat([
      Frame.text("a").bytes,
      Frame.ping(Buffer.from("hb")).bytes,
      Frame.binary(Uint8Array.of(7, 8), { fragmentSize: 1 }).bytes,
      Frame.pong().bytes,
      Frame.close(1000).bytes
    ])
    const decoded = await decodeWithWs(stream, { isServer: false, chunkSize: 2 })
    expect(decoded.errors).toEqual([])
    expect(decoded.messages.map((m) => [hex(m.data), m.isBinary])).toEqual([
      ["61", false],
      ["0708", true]
    ])
    expect(decoded.pings.map((p) => p.toString())).toEqual(["hb"])
    expect(decoded.pongs).toHaveLength(1)
    expect(decoded.closes).toEqual([{ code: 1000, reason: "" }])
  })
})
