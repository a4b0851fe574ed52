/**
 * The bus wire format: exact round trips, and garbage giving a WireError value, never a throw.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type BusMessage, decode, encode, WIRE_VERSION, WireError } from "../src/bus/wire.js"

const ok = (m: BusMessage): Uint8Array => {
  const r = encode(m)
  if (r instanceof WireError) throw r
  return r
}

const all = Uint8Array.from({ length: 256 }, (_, i) => i)

const messages: Array<BusMessage> = [
  { node: "n1", kind: "broadcast", except: "c-17", messageKind: "text", data: new TextEncoder().encode("héllo 🚀") },
  { node: "n1", kind: "broadcastAll", messageKind: "binary", data: all },
  { node: "nœud-2", kind: "publish", topic: "room:ü", except: "c1", messageKind: "binary", data: new Uint8Array(0) },
  { node: "n3", kind: "unicast", to: "c-99", messageKind: "binary", data: Uint8Array.from([0xff, 0xfe, 0, 0x0d, 0x0a]) },
  { node: "n3", kind: "close", to: "c-99", code: 4000, reason: "bye", messageKind: "text", data: new Uint8Array(0) },
  { node: "", kind: "close", to: "", code: 0, reason: "", messageKind: "text", data: new Uint8Array(0) }
]

const same = (a: BusMessage, b: BusMessage) => {
  const { data: da, ...ra } = a
  const { data: db, ...rb } = b
  expect(rb).toEqual(ra)
  expect(Buffer.from(db).equals(Buffer.from(da))).toBe(true)
}

describe("wire format", () => {
  it("round-trips every kind with its fields, payload bytes exact", () => {
    for (const m of messages) {
      const bytes = ok(m)
      expect(bytes[0]).toBe(WIRE_VERSION)
      const back = decode(bytes)
      if (back instanceof WireError) throw back
      same(m, back)
    }
  })

  it("keeps the payload as is: 1 MiB of every byte value, with only a small header added", () => {
    const data = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 131) & 0xff)
    const bytes = ok({ node: "n", kind: "broadcastAll", messageKind: "binary", data })
    expect(bytes.byteLength).toBe(data.byteLength + 3 + 3 + 4)
    const back = decode(bytes) as BusMessage
    expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true)
    expect(back.data.buffer).toBe(bytes.buffer) // a view, not a copy
  })

  it("decodes from a view with a non-zero offset", () => {
    const bytes = ok(messages[3]!)
    const padded = new Uint8Array(bytes.byteLength + 10)
    padded.set(bytes, 7)
    same(messages[3]!, decode(padded.subarray(7, 7 + bytes.byteLength)) as BusMessage)
  })

  it("refuses what it cannot encode, as a value", () => {
    const base = { node: "n", messageKind: "text", data: new Uint8Array(0) } as const
    expect(encode({ ...base, kind: "publish" })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "unicast" })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "close", to: "c", code: 70000 })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "close", to: "c", code: 1.5 })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "broadcast", except: "x".repeat(65536) })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "nope" as never })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "broadcast", messageKind: "blob" as never })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "broadcast", node: undefined as never })).toBeInstanceOf(WireError)
    expect(encode({ ...base, kind: "broadcast", except: "x".repeat(65535) })).toBeInstanceOf(Uint8Array)
  })

  it("names what is wrong with bad bytes", () => {
    const good = ok(messages[2]!)
    const bad = (mutate: (b: Uint8Array) => Uint8Array) => decode(mutate(Uint8Array.from(good))) as WireError
    expect(bad((b) => b.subarray(0, 2)).reason).toMatch(/shorter than the header/)
    expect(
      bad((b) => {
        b[0] = 2
        return b
      }).reason
    ).toMatch(/unsupported version 2/)
    expect(
      bad((b) => {
        b[1] = 9
        return b
      }).reason
    ).toMatch(/unknown kind 9/)
    expect(
      bad((b) => {
        b[2] |= 64
        return b
      }).reason
    ).toMatch(/unknown flag bits/)
    expect(
      bad((b) => {
        b[2] &= ~2
        return b
      }).reason
    ).toMatch(/publish needs a topic/)
    expect(bad((b) => Uint8Array.of(...b, 0)).reason).toMatch(/1 bytes after the data/)
    expect(bad((b) => b.subarray(0, b.byteLength - 1)).reason).toMatch(/past the end/)
    const badUtf8 = ok({ node: "ab", kind: "broadcastAll", messageKind: "text", data: new Uint8Array(0) })
    badUtf8[5] = 0xff
    expect((decode(badUtf8) as WireError).reason).toMatch(/node: invalid UTF-8/)
    expect(decode("nope" as never)).toBeInstanceOf(WireError)
  })

  it("every truncation of every valid message is a WireError", () => {
    for (const m of messages) {
      const bytes = ok(m)
      for (let n = 0; n < bytes.byteLength; n++) expect(decode(bytes.subarray(0, n))).toBeInstanceOf(WireError)
    }
  })

  const text = fc.string({ unit: "grapheme", maxLength: 40 })
  const message: fc.Arbitrary<BusMessage> = fc
    .record({
      node: text,
      kind: fc.constantFrom("broadcast", "broadcastAll", "publish", "unicast", "close"),
      topic: fc.option(text, { nil: undefined }),
      except: fc.option(text, { nil: undefined }),
      to: fc.option(text, { nil: undefined }),
      code: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
      reason: fc.option(text, { nil: undefined }),
      messageKind: fc.constantFrom("text", "binary"),
      data: fc.uint8Array({ maxLength: 300 })
    })
    .map((m) => {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = v
      if (m.kind === "publish" && m.topic === undefined) out.topic = "t"
      if ((m.kind === "unicast" || m.kind === "close") && m.to === undefined) out.to = "c"
      return out as unknown as BusMessage
    })

  it("round-trips random messages", () => {
    fc.assert(
      fc.property(message, (m) => same(m, decode(ok(m)) as BusMessage)),
      { numRuns: 2000 }
    )
  })

  it("never throws on random bytes; what decodes re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const m = decode(bytes)
        if (m instanceof WireError) return
        expect(Buffer.from(ok(m)).equals(Buffer.from(bytes))).toBe(true)
      }),
      { numRuns: 5000 }
    )
  })

  it("never throws on mutated valid messages", () => {
    fc.assert(
      fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (m, edits) => {
        const bytes = Uint8Array.from(ok(m))
        for (const [at, v] of edits) bytes[at % bytes.byteLength] = v
        const r = decode(bytes)
        expect(r instanceof WireError || typeof r.node === "string").toBe(true)
      }),
      { numRuns: 5000 }
    )
  })
})
