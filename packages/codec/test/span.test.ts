/**
 * Big payloads that span chunks (src/span.ts): past ASSEMBLE_AT bytes they are assembled in their
 * final buffer as the chunks land, with the same result as the join at the end, masked or not,
 * text or binary; text still fails at the chunk that brings the bad byte (RFC 6455 §8.1).
 */
import { describe, expect, it } from "vitest"
import { Parser } from "../src/index.js"
import { ASSEMBLE_AT } from "../src/span.js"
import { masked, recorder, unmasked } from "./support/feed.js"

const pushIn = (parser: Parser.FrameParser, bytes: Uint8Array, size: number) => {
  for (let at = 0; at < bytes.length; at += size) {
    const error = parser.push(bytes.slice(at, at + size))
    if (error !== undefined) return { error, at }
  }
  return undefined
}

describe("a payload bigger than ASSEMBLE_AT, in chunks", () => {
  const big = Uint8Array.from({ length: ASSEMBLE_AT * 3 + 12345 }, (_, i) => (i * 31 + (i >> 9)) & 0xff)

  it.each([[1000], [65536], [777_777]])("masked binary in %i-byte chunks arrives byte for byte", (size) => {
    const { events, sink } = recorder()
    const parser = new Parser.FrameParser(sink, { maxFrameSize: big.length, maxMessageSize: big.length })
    expect(pushIn(parser, masked(2, big), size)).toBeUndefined()
    expect(events).toHaveLength(1)
    expect(Buffer.from((events[0] as { data: Uint8Array }).data).equals(Buffer.from(big))).toBe(true)
  })

  it("unmasked (client role) binary arrives byte for byte", () => {
    const { events, sink } = recorder()
    const parser = new Parser.FrameParser(sink, { role: "client", maxFrameSize: big.length, maxMessageSize: big.length })
    expect(pushIn(parser, unmasked(2, big), 65536)).toBeUndefined()
    expect(Buffer.from((events[0] as { data: Uint8Array }).data).equals(Buffer.from(big))).toBe(true)
  })

  it("text: arrives whole; a bad byte past ASSEMBLE_AT fails at the chunk that brings it, not at the end", () => {
    const text = Buffer.from("é".repeat((ASSEMBLE_AT * 3) / 2), "utf8")
    const { events, sink } = recorder()
    const options = { maxFrameSize: text.length, maxMessageSize: text.length }
    expect(pushIn(new Parser.FrameParser(sink, options), masked(1, text), 65536)).toBeUndefined()
    expect(Buffer.from((events[0] as { data: Uint8Array }).data).toString("utf8")).toBe(text.toString("utf8"))
    const bad = Buffer.from(text)
    bad[ASSEMBLE_AT + 100_001] = 0xff
    const failed = pushIn(new Parser.FrameParser(recorder().sink, options), masked(1, bad), 65536)
    expect(failed?.error.kind).toBe("invalid-utf8")
    expect(failed!.at).toBeLessThan(ASSEMBLE_AT + 100_001 + 65536)
    expect(failed!.at).toBeLessThan(text.length - 65536)
  })
})

describe("spanning frames of two connections, interleaved", () => {
  it.each([
    ["text", 1],
    ["binary", 2]
  ] as const)("each %s frame is unmasked with its own key, whatever the other parser did meanwhile", (_kind, opcode) => {
    // Regression: a span once kept the parsers' shared mask-key scratch, so a frame of another
    // connection parsed before this one completed changed the key under it (1007 in a load test).
    const payload = (c: string) => "x".repeat(40) + c.repeat(60)
    const frameA = masked(opcode, payload("a"), { mask: Uint8Array.of(1, 2, 3, 4) })
    const frameB = masked(opcode, payload("b"), { mask: Uint8Array.of(200, 150, 100, 50) })
    const a = recorder()
    const b = recorder()
    const parserA = new Parser.FrameParser(a.sink)
    const parserB = new Parser.FrameParser(b.sink)
    const half = 50
    for (const [parser, bytes] of [
      [parserA, frameA.slice(0, half)],
      [parserB, frameB.slice(0, half)],
      [parserA, frameA.slice(half)],
      [parserB, frameB.slice(half)]
    ] as const) {
      expect(parser.push(bytes)).toBeUndefined()
    }
    expect(Buffer.from((a.events[0] as { data: Uint8Array }).data).toString()).toBe(payload("a"))
    expect(Buffer.from((b.events[0] as { data: Uint8Array }).data).toString()).toBe(payload("b"))
  })
})
