/** The draft-76 encoder (§5.3): 0x00 + UTF-8 + 0xFF, the close frame 0xFF 0x00. */
import { describe, expect, it } from "vitest"
import { encodeClose, encodeText, textFrameLength } from "../../src/hixie76/frame-encoder.js"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("encodeText", () => {
  it("frames a string as UTF-8 between 0x00 and 0xFF", () => {
    expect(hex(encodeText("Hi"))).toBe("004869ff")
    expect(hex(encodeText(""))).toBe("00ff")
    expect(hex(encodeText("€"))).toBe("00e282acff")
    expect(encodeText("x".repeat(70000)).length).toBe(70002)
  })

  it("a lone surrogate becomes U+FFFD (the frame stays valid UTF-8)", () => {
    expect(hex(encodeText("a\ud800b"))).toBe("0061efbfbd62ff")
  })

  it("copies UTF-8 bytes as given, without touching the caller's array", () => {
    const data = Uint8Array.of(0xce, 0xba)
    const frame = encodeText(data)
    expect(hex(frame)).toBe("00cebaff")
    frame[1] = 0
    expect(data[0]).toBe(0xce)
  })

  it("textFrameLength counts the two framing bytes", () => {
    expect(textFrameLength(Buffer.byteLength("€"))).toBe(encodeText("€").length)
  })
})

describe("encodeClose", () => {
  it("is 0xFF 0x00, a fresh buffer each time", () => {
    const a = encodeClose()
    expect(hex(a)).toBe("ff00")
    a[0] = 0
    expect(hex(encodeClose())).toBe("ff00")
  })
})
