/** Client frames: the RFC 6455 §5.7 examples byte for byte, and every kind of malformed frame. */
import { describe, expect, it } from "vitest"
import {
  closePayload,
  concat,
  encodeFrame,
  encodeHeader,
  frame,
  MASK,
  maskInPlace,
  Op,
  randomMask,
  repeatTo,
  Rsv,
  split
} from "../src/index.js"

const hex = (b: Uint8Array) =>
  Buffer.from(b)
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ")

describe("RFC 6455 §5.7 examples", () => {
  it("unmasked and masked text 'Hello'", () => {
    expect(hex(frame(Op.Text, "Hello", { mask: false }))).toBe("81 05 48 65 6c 6c 6f")
    expect(hex(frame(Op.Text, "Hello", { mask: MASK }))).toBe("81 85 37 fa 21 3d 7f 9f 4d 51 58")
  })

  it("a fragmented unmasked text message", () => {
    expect(hex(frame(Op.Text, "Hel", { fin: false, mask: false }))).toBe("01 03 48 65 6c")
    expect(hex(frame(Op.Continuation, "lo", { mask: false }))).toBe("80 02 6c 6f")
  })

  it("unmasked ping, masked pong", () => {
    expect(hex(frame(Op.Ping, "Hello", { mask: false }))).toBe("89 05 48 65 6c 6c 6f")
    expect(hex(frame(Op.Pong, "Hello", { mask: MASK }))).toBe("8a 85 37 fa 21 3d 7f 9f 4d 51 58")
  })

  it("256 bytes and 64 KiB binary in one unmasked frame: 16- and 64-bit lengths", () => {
    expect(hex(frame(Op.Binary, new Uint8Array(256), { mask: false }).subarray(0, 4))).toBe("82 7e 01 00")
    expect(hex(frame(Op.Binary, new Uint8Array(65536), { mask: false }).subarray(0, 10))).toBe("82 7f 00 00 00 00 00 01 00 00")
  })
})

describe("masking (§5.3)", () => {
  it("masks with a fresh random key by default; the payload unmasks with the key in the header", () => {
    const a = frame(Op.Binary, Uint8Array.of(1, 2, 3, 4, 5))
    const b = frame(Op.Binary, Uint8Array.of(1, 2, 3, 4, 5))
    expect(a[1]).toBe(0x85)
    expect(a.subarray(2, 6).equals(b.subarray(2, 6))).toBe(false) // 2^-32 to be equal
    expect([...maskInPlace(a.subarray(6), a.subarray(2, 6))]).toEqual([1, 2, 3, 4, 5])
    expect(randomMask()).toHaveLength(4)
  })

  it("never modifies the caller's payload, and rejects a key that is not 4 bytes", () => {
    const payload = Buffer.from("Hello")
    frame(Op.Text, payload, { mask: MASK })
    expect(payload.toString()).toBe("Hello")
    expect(() => frame(Op.Text, "x", { mask: Uint8Array.of(1, 2, 3) })).toThrow(RangeError)
  })

  it("maskInPlace continues the key cycle at an offset, and masking twice unmasks", () => {
    const whole = maskInPlace(Buffer.from("Hello world"), MASK)
    const pieces = Buffer.concat([maskInPlace(Buffer.from("Hel"), MASK), maskInPlace(Buffer.from("lo world"), MASK, 3)])
    expect(pieces.equals(whole)).toBe(true)
    expect(maskInPlace(whole, MASK).toString()).toBe("Hello world")
  })
})

describe("header bits and invalid frames (§5.2)", () => {
  it("writes any FIN, RSV and 4-bit opcode, reserved ones included", () => {
    expect(frame(0xb, "", { fin: false, rsv: 0x70, mask: false })[0]).toBe(0x7b)
    expect(frame(Op.Text, "x", { rsv: Rsv.Rsv1 | Rsv.Rsv3, mask: false })[0]).toBe(0xd1)
    expect(frame(3, "", { mask: false })[0]).toBe(0x83)
  })

  it("forces a longer length form; widens one too short for the length", () => {
    expect(hex(frame(Op.Binary, "abcde", { mask: false, lengthForm: 16 }).subarray(0, 4))).toBe("82 7e 00 05")
    expect(hex(frame(Op.Binary, "abcde", { mask: false, lengthForm: 64 }).subarray(0, 10))).toBe("82 7f 00 00 00 00 00 00 00 05")
    expect(hex(frame(Op.Binary, new Uint8Array(200), { mask: false, lengthForm: 7 }).subarray(0, 4))).toBe("82 7e 00 c8")
    expect(hex(frame(Op.Binary, new Uint8Array(70000), { mask: false, lengthForm: 16 }).subarray(0, 2))).toBe("82 7f")
  })

  it("lies in the length field, up to 2^64 - 1 (beyond 2^53 with a bigint), sending the payload as given", () => {
    const lie = frame(Op.Binary, "ab", { mask: false, length: 2n ** 53n + 1n })
    expect(hex(lie)).toBe("82 7f 00 20 00 00 00 00 00 01 61 62")
    expect(hex(frame(Op.Binary, "", { mask: false, length: 2n ** 63n }))).toBe("82 7f 80 00 00 00 00 00 00 00")
    expect(hex(frame(Op.Text, "abc", { mask: false, length: 1 }))).toBe("81 01 61 62 63")
    expect(hex(frame(Op.Ping, "", { mask: false, length: 126 }))).toBe("89 7e 00 7e")
    expect(() => frame(Op.Binary, "", { length: 2n ** 64n })).toThrow(RangeError)
    expect(() => frame(Op.Binary, "", { length: -1 })).toThrow(RangeError)
  })
})

describe("encodeFrame, encodeHeader", () => {
  it("a spec and the positional form give the same frame", () => {
    const spec = { opcode: Op.Text, payload: "Hel", fin: false, mask: MASK } as const
    expect(encodeFrame(spec).equals(frame(Op.Text, "Hel", { fin: false, mask: MASK }))).toBe(true)
  })

  it("a header plus a payload masked by the caller in pieces equals the whole frame", () => {
    const payload = repeatTo("payload ", 1000)
    const { header, key } = encodeHeader({ opcode: Op.Binary }, payload.length)
    const masked = concat(
      maskInPlace(Buffer.from(payload.subarray(0, 333)), key!),
      maskInPlace(Buffer.from(payload.subarray(333)), key!, 333)
    )
    expect(concat(header, masked).equals(encodeFrame({ opcode: Op.Binary, payload, mask: key! }))).toBe(true)
  })
})

describe("closePayload and byte helpers", () => {
  it("builds close payloads, valid or not (§5.5.1)", () => {
    expect(hex(closePayload(1000, "bye"))).toBe("03 e8 62 79 65")
    expect(closePayload()).toHaveLength(0)
    expect(hex(closePayload(1005))).toBe("03 ed")
    expect(hex(closePayload(1000, Uint8Array.of(0xff)))).toBe("03 e8 ff")
  })

  it("split cycles through sizes and copies; repeatTo fills exactly", () => {
    const bytes = Buffer.from("abcdefg")
    const pieces = split(bytes, [1, 2])
    expect(pieces.map(String)).toEqual(["a", "bc", "d", "ef", "g"])
    pieces[0]![0] = 0x7a
    expect(bytes.toString()).toBe("abcdefg")
    expect(repeatTo("abc", 7).toString()).toBe("abcabca")
    expect(repeatTo("x", 0)).toHaveLength(0)
    expect(repeatTo(Uint8Array.of(1, 2), 100_001).subarray(99_998)).toEqual(Buffer.from([1, 2, 1]))
  })
})
