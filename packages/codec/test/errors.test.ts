/**
 * ProtocolError kinds: every kind is produced by the check it names, with its close code
 * (RFC 6455 §7.4.1). The table is typed `Record<ProtocolErrorKind, …>`, so adding a kind without a
 * case here does not compile.
 */
import { describe, expect, it } from "vitest"
import { Close, Encoder, Hixie76, Parser, ProtocolError, type ProtocolErrorKind } from "../src/index.js"

const hex = (s: string) => Uint8Array.from(s.split(/\s+/).filter(Boolean), (h) => parseInt(h, 16))
const ignore: Parser.Sink = { onMessage: () => {}, onPing: () => {}, onPong: () => {}, onClose: () => {} }
/** The error a fresh parser returns for `bytes` (masked frames use the all-zero key: payload as is). */
const parse = (bytes: string, options?: Parser.Options) => () => new Parser.FrameParser(ignore, options).push(hex(bytes))

const CASES: Record<ProtocolErrorKind, { readonly code: number; readonly run: () => ProtocolError | undefined }> = {
  "unmasked-frame": { code: 1002, run: parse("81 00") },
  "masked-frame": { code: 1002, run: parse("81 80 00 00 00 00", { role: "client" }) },
  "invalid-opcode": { code: 1002, run: parse("83 80 00 00 00 00") },
  "rsv-not-negotiated": { code: 1002, run: parse("c1 80 00 00 00 00") },
  "rsv-on-continuation": { code: 1002, run: parse("01 80 00 00 00 00 c0 80 00 00 00 00", { allowedRsv: 0x40 }) },
  "rsv-on-control-frame": { code: 1002, run: parse("c9 80 00 00 00 00", { allowedRsv: 0x40 }) },
  "invalid-length": { code: 1002, run: parse("82 ff 80 00 00 00 00 00 00 00") },
  "control-frame-too-big": { code: 1002, run: parse("89 fe 00 7e") },
  "fragmented-control-frame": { code: 1002, run: parse("09 80 00 00 00 00") },
  "unexpected-continuation": { code: 1002, run: parse("80 80 00 00 00 00") },
  "expected-continuation": { code: 1002, run: parse("01 80 00 00 00 00 82 80 00 00 00 00") },
  "frame-too-big": { code: 1009, run: parse("82 8b 00 00 00 00", { maxFrameSize: 10 }) },
  "message-too-big": { code: 1009, run: parse("02 86 00 00 00 00 31 32 33 34 35 36 80 85", { maxMessageSize: 10 }) },
  "invalid-utf8": { code: 1007, run: parse("81 81 00 00 00 00 ff") },
  "invalid-close-payload": { code: 1002, run: parse("88 81 00 00 00 00 03") },
  "invalid-close-code": { code: 1002, run: parse("88 82 00 00 00 00 03 ed") }, // 1005
  "invalid-close-reason": { code: 1007, run: parse("88 83 00 00 00 00 03 e8 ff") },
  "close-reason-too-long": { code: 1002, run: () => Close.checkArgs(1000, "a".repeat(124)) },
  "invalid-frame-type": { code: 1002, run: () => new Hixie76.FrameParser({ onMessage: () => {}, onClose: () => {} }).push(hex("01")) }
}

describe("ProtocolError kinds (RFC 6455 §7.4.1)", () => {
  for (const [kind, { code, run }] of Object.entries(CASES)) {
    it(`${kind} → ${code}`, () => {
      const err = run()
      expect(err).toBeInstanceOf(ProtocolError)
      expect(err).toMatchObject({ _tag: "ProtocolError", kind, code })
    })
  }

  it("the same kinds come from the send-side checks", () => {
    expect(Encoder.checkControlPayload(126)).toMatchObject({ kind: "control-frame-too-big", code: 1002 })
    expect(Close.checkArgs(1005)).toMatchObject({ kind: "invalid-close-code", code: 1002 })
    expect(Close.checkArgs(1000, "\ud800")).toMatchObject({ kind: "invalid-close-reason", code: 1007 })
    expect(Close.parsePayload(hex("03 e8 ce ba ed a0 80"))).toMatchObject({ kind: "invalid-close-reason", code: 1007 })
  })

  it("the code follows from the kind; the message carries both code and reason", () => {
    const err = new ProtocolError("message-too-big", "message exceeds the size limit")
    expect(err.code).toBe(1009)
    expect(err.message).toBe("1009: message exceeds the size limit")
    expect(err.name).toBe("ProtocolError")
  })
})
