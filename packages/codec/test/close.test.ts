/**
 * Close codes and Close frame payloads (RFC 6455 §5.5.1, §7.1.5, §7.4.1, §7.4.2, IANA registry).
 */
import { describe, expect, it } from "vitest"
import { Close, ProtocolError } from "../src/index.js"

const payload = (code: number, ...rest: number[]) => Uint8Array.of(code >> 8, code & 0xff, ...rest)

describe("Close.Code (RFC 6455 §7.4.1 + IANA registry)", () => {
  it("has the registered values", () => {
    expect(Close.Code).toMatchObject({
      Normal: 1000,
      GoingAway: 1001,
      ProtocolError: 1002,
      UnsupportedData: 1003,
      NoStatus: 1005,
      Abnormal: 1006,
      InvalidPayload: 1007,
      PolicyViolation: 1008,
      MessageTooBig: 1009,
      MandatoryExtension: 1010,
      InternalError: 1011,
      ServiceRestart: 1012,
      TryAgainLater: 1013,
      BadGateway: 1014,
      TlsHandshake: 1015
    })
  })
})

describe("Close.isValidWireCode (RFC 6455 §7.4.1, §7.4.2)", () => {
  it("accepts exactly 1000–1003, 1007–1014, 3000–4999 over the whole 16-bit range", () => {
    const accepted: number[] = []
    for (let c = 0; c <= 65535; c++) if (Close.isValidWireCode(c)) accepted.push(c)
    const expected: number[] = []
    for (let c = 1000; c <= 1003; c++) expected.push(c)
    for (let c = 1007; c <= 1014; c++) expected.push(c)
    for (let c = 3000; c <= 4999; c++) expected.push(c)
    expect(accepted).toEqual(expected)
  })

  it("rejects 1004 (reserved), 1005/1006/1015 (never on the wire), 1016, 2999, 5000, non-integers", () => {
    for (const c of [1004, 1005, 1006, 1015, 1016, 2999, 5000, 999, -1, 1000.5, NaN]) {
      expect(Close.isValidWireCode(c), String(c)).toBe(false)
    }
  })
})

describe("Close.isApplicationCode (RFC 6455 §7.4.2)", () => {
  it("is 3000–4999 only", () => {
    expect([2999, 3000, 4000, 4999, 5000, 1000, 1001].map(Close.isApplicationCode)).toEqual([false, true, true, true, false, false, false])
  })
})

describe("Close.parsePayload (RFC 6455 §5.5.1, §7.1.5)", () => {
  it("empty payload → 1005 'no status received'", () => {
    expect(Close.parsePayload(new Uint8Array(0))).toEqual({ code: 1005, reason: "" })
  })

  it("code only, and code + UTF-8 reason", () => {
    expect(Close.parsePayload(payload(1000))).toEqual({ code: 1000, reason: "" })
    expect(Close.parsePayload(new Uint8Array([...payload(4001), ...new TextEncoder().encode("κόσμε")]))).toEqual({
      code: 4001,
      reason: "κόσμε"
    })
  })

  it("a 1-byte payload is a protocol error (1002)", () => {
    const r = Close.parsePayload(Uint8Array.of(0x03))
    expect(r).toBeInstanceOf(ProtocolError)
    expect(r).toMatchObject({ kind: "invalid-close-payload", code: 1002 })
  })

  it("codes not allowed on the wire are a protocol error (1002), §7.4.1", () => {
    for (const c of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
      const r = Close.parsePayload(payload(c))
      expect(r, String(c)).toBeInstanceOf(ProtocolError)
      expect(r).toMatchObject({ kind: "invalid-close-code", code: 1002 })
    }
    for (const c of [1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999]) {
      expect(Close.parsePayload(payload(c)), String(c)).toEqual({ code: c, reason: "" })
    }
  })

  it("a reason that is not valid UTF-8 is 1007 (§8.1), including a truncated sequence", () => {
    for (const bad of [[0xff], [0xce, 0xba, 0xed, 0xa0, 0x80], [0x41, 0xe2, 0x82]]) {
      const r = Close.parsePayload(payload(1000, ...bad))
      expect(r).toBeInstanceOf(ProtocolError)
      expect(r).toMatchObject({ kind: "invalid-close-reason", code: 1007 })
    }
  })
})

describe("Close.encodePayload (RFC 6455 §5.5.1)", () => {
  it("writes the code big-endian then the UTF-8 reason", () => {
    expect(Array.from(Close.encodePayload(1000, "bye"))).toEqual([0x03, 0xe8, 0x62, 0x79, 0x65])
    expect(Array.from(Close.encodePayload(4999))).toEqual([0x13, 0x87])
  })

  it("round-trips through Close.parsePayload", () => {
    for (const [code, reason] of [
      [1001, ""],
      [3000, "€ and 𝄞"],
      [1011, "x".repeat(123)]
    ] as const) {
      expect(Close.parsePayload(Close.encodePayload(code, reason))).toEqual({ code, reason })
    }
  })
})

describe("Close.checkArgs (RFC 6455 §5.5: control payload ≤ 125 bytes; §7.4.1)", () => {
  it("accepts wire-valid codes with reasons up to 123 UTF-8 bytes", () => {
    expect(Close.checkArgs(1000, "")).toBeUndefined()
    expect(Close.checkArgs(4000, "a".repeat(123))).toBeUndefined()
    expect(Close.checkArgs(1000, "é".repeat(61) + "a")).toBeUndefined() // 123 bytes
    expect(Close.checkArgs(1000, "𝄞".repeat(30) + "abc")).toBeUndefined() // 123 bytes
  })

  it("rejects codes that may not be sent (1002), never 1005/1006/1015", () => {
    for (const c of [1004, 1005, 1006, 1015, 999, 5000, 2000]) {
      const r = Close.checkArgs(c, "")
      expect(r, String(c)).toBeInstanceOf(ProtocolError)
      expect(r).toMatchObject({ kind: "invalid-close-code", code: 1002 })
    }
  })

  it("rejects reasons over 123 bytes, counting UTF-8 bytes not UTF-16 units (1002)", () => {
    const tooLong = { kind: "close-reason-too-long", code: 1002 }
    expect(Close.checkArgs(1000, "a".repeat(124))).toMatchObject(tooLong)
    expect(Close.checkArgs(1000, "é".repeat(62))).toMatchObject(tooLong) // 62 chars, 124 bytes
    expect(Close.checkArgs(1000, "€".repeat(41) + "a")).toMatchObject(tooLong) // 124 bytes
    expect(Close.checkArgs(1000, "𝄞".repeat(31))).toMatchObject(tooLong) // 124 bytes
  })

  it("rejects reasons with lone surrogates: not encodable as UTF-8 (1007)", () => {
    const surrogate = { kind: "invalid-close-reason", code: 1007 }
    expect(Close.checkArgs(1000, "a\ud800")).toMatchObject(surrogate)
    expect(Close.checkArgs(1000, "\udc00b")).toMatchObject(surrogate)
    expect(Close.checkArgs(1000, "\ud800\ud800")).toMatchObject(surrogate)
  })
})
