/**
 * Draft-76 handshake (draft-hixie-thewebsocketprotocol-76 §1.3 worked examples, §5.2 key rule and
 * answer): keys against a BigInt reference written independently of src, request validation,
 * the response's bytes, and the Key3 collector.
 */
import fc from "fast-check"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { HandshakeError } from "../../src/errors.js"
import type { RequestHead } from "../../src/http.js"
import {
  acceptResponse,
  challengeResponse,
  isHixie76Request,
  Key3Collector,
  keyPart,
  validateUpgrade,
  websocketLocation
} from "../../src/hixie76/handshake.js"
import { makeKey, seeded } from "./support/client.js"

const KEY1 = "18x 6]8vM;54 *(5:  {   U1]8  z [  8"
const KEY2 = "1_ tx7X d  <  nw  334J702) 7]o}` 0"
const KEY3 = Buffer.from("Tm[K T2u", "latin1")

/** Reference: digits as a BigInt, spaces counted, exact division; "error" when the draft refuses. */
const reference = (key: string): bigint | "error" => {
  const digits = key.replace(/[^0-9]/g, "")
  const spaces = key.split(" ").length - 1
  if (digits === "" || spaces === 0) return "error"
  const n = BigInt(digits)
  if (n > 4294967295n || n % BigInt(spaces) !== 0n) return "error"
  return n / BigInt(spaces)
}

/** Reference answer: MD5 of the two parts as one big-endian 64-bit integer, then key3. */
const referenceAnswer = (p1: bigint, p2: bigint, key3: Uint8Array): Buffer => {
  const b = Buffer.alloc(16)
  b.writeBigUInt64BE((p1 << 32n) | p2)
  Buffer.from(key3).copy(b, 8)
  return createHash("md5").update(b).digest()
}

const ok = <T>(r: T | HandshakeError): T => {
  if (r instanceof HandshakeError) throw new Error(`expected success, got ${r.message}`)
  return r
}

const head = (patch: Record<string, string | undefined> = {}, line: Partial<Omit<RequestHead, "headers">> = {}): RequestHead => {
  const base: Record<string, string | undefined> = {
    host: "example.com",
    upgrade: "WebSocket",
    connection: "Upgrade",
    origin: "http://example.com",
    "sec-websocket-key1": KEY1,
    "sec-websocket-key2": KEY2
  }
  const headers: Record<string, string> = Object.create(null)
  for (const [k, v] of Object.entries({ ...base, ...patch })) if (v !== undefined) headers[k] = v
  return { method: "GET", target: "/demo", versionMajor: 1, versionMinor: 1, ...line, headers }
}

describe("the draft's worked examples (§1.3)", () => {
  it("key1/key2/key3 of the brief give fQJ,fN/4F4!~K~MH", () => {
    expect(keyPart(KEY1)).toBe(155712099) // 1868545188 / 12
    expect(keyPart(KEY2)).toBe(173347027) // 1733470270 / 10
    const answer = challengeResponse(155712099, 173347027, KEY3)
    expect(Buffer.from(answer).toString("latin1")).toBe("fQJ,fN/4F4!~K~MH")
  })

  it("the overview's request gives 8jKS'y:G*Co,Wxa-", () => {
    const p1 = ok(keyPart("4 @1  46546xW%0l 1 5"))
    const p2 = ok(keyPart("12998 5 Y3 1  .P00"))
    expect(Buffer.from(challengeResponse(p1, p2, Buffer.from("^n:ds[4U", "latin1"))).toString("latin1")).toBe("8jKS'y:G*Co,Wxa-")
  })

  it("the full response: head then the 16 bytes", () => {
    const request = ok(validateUpgrade(head({ "sec-websocket-protocol": "sample" })))
    const bytes = Buffer.from(acceptResponse({ request, key3: KEY3, acceptProtocol: true }))
    expect(bytes.toString("latin1")).toBe(
      "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: ws://example.com/demo\r\n" +
        "Sec-WebSocket-Protocol: sample\r\n\r\nfQJ,fN/4F4!~K~MH"
    )
  })
})

describe("keyPart against the BigInt reference", () => {
  it("keys built by the draft's client algorithm (§4.1), many spaces, numbers near 2^32", () => {
    const arb = fc.record({
      seed: fc.integer(),
      spaces: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 5000 })),
      top: fc.boolean(),
      below: fc.nat(1000)
    })
    fc.assert(
      fc.property(arb, ({ seed, spaces, top, below }) => {
        const max = Math.floor(4294967295 / spaces)
        const forced = top ? { spaces, number: Math.max(0, max - below) } : { spaces }
        const k = makeKey(seeded(seed), forced)
        expect(reference(k.key)).toBe(BigInt(k.number))
        expect(keyPart(k.key)).toBe(k.number)
      }),
      { numRuns: 500 }
    )
  })

  it("arbitrary strings of digits, spaces and noise agree with the reference (valid or not)", () => {
    const char = fc.constantFrom(..."0123456789      ab;x]9".split(""))
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 30 }).map((a) => a.join("")),
        (key) => {
          const want = reference(key)
          const got = keyPart(key)
          if (want === "error") expect(got).toBeInstanceOf(HandshakeError)
          else expect(got).toBe(Number(want))
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("the answer matches the reference MD5 for random keys and key3", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.uint8Array({ minLength: 8, maxLength: 8 }), (s1, s2, key3) => {
        const k1 = makeKey(seeded(s1))
        const k2 = makeKey(seeded(s2))
        const want = referenceAnswer(reference(k1.key) as bigint, reference(k2.key) as bigint, key3)
        const got = challengeResponse(ok(keyPart(k1.key)), ok(keyPart(k2.key)), key3)
        expect(Buffer.from(got).equals(want)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it.each([
    ["no spaces", "1234", "has no spaces"],
    ["no digits", "ab  cd", "has no digits"],
    ["empty", "", "has no digits"],
    ["not divisible", "10   ", "not a multiple"], // 10 / 3
    ["over 2^32 − 1", "4294967296 ", "exceeds 4294967295"],
    ["over 2^32 − 1 behind leading zeros", "0000004294967296 ", "exceeds"]
  ])("refuses %s with 400", (_name, key, reason) => {
    const r = keyPart(key)
    expect(r).toBeInstanceOf(HandshakeError)
    expect((r as HandshakeError).status).toBe(400)
    expect((r as HandshakeError).reason).toContain(reason)
  })

  it("accepts the bounds: 2^32 − 1 with one space, 0, leading zeros", () => {
    expect(keyPart("4294967295 ")).toBe(4294967295)
    expect(keyPart(" 0 ")).toBe(0)
    expect(keyPart("00000000000000000012   ")).toBe(4)
  })
})

describe("isHixie76Request", () => {
  it("picks draft-76 on Key1/Key2 without RFC 6455 headers", () => {
    expect(isHixie76Request(head())).toBe(true)
    expect(isHixie76Request(head({ "sec-websocket-key2": undefined }))).toBe(true)
    expect(isHixie76Request(head({ "sec-websocket-version": "13" }))).toBe(false)
    expect(isHixie76Request(head({ "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" }))).toBe(false)
    expect(isHixie76Request(head({ "sec-websocket-key1": undefined, "sec-websocket-key2": undefined }))).toBe(false)
  })
})

describe("validateUpgrade", () => {
  it("returns the request with both parts, path and query", () => {
    const r = ok(validateUpgrade(head({}, { target: "/chat/room?x=1&y" })))
    expect(r).toMatchObject({
      resource: "/chat/room?x=1&y",
      path: "/chat/room",
      query: "x=1&y",
      host: "example.com",
      origin: "http://example.com",
      protocol: undefined,
      part1: 155712099,
      part2: 173347027
    })
  })

  it("accepts Upgrade and Connection in any case, Connection as a list", () => {
    ok(validateUpgrade(head({ upgrade: "websocket", connection: "keep-alive, UPGRADE" })))
  })

  it.each<[string, Record<string, string | undefined>, Partial<Omit<RequestHead, "headers">>, number, string]>([
    ["POST", {}, { method: "POST" }, 405, "GET"],
    ["HTTP/1.0", {}, { versionMinor: 0 }, 400, "HTTP/1.1"],
    ["HTTP/2", {}, { versionMajor: 2, versionMinor: 0 }, 505, "version"],
    ["no Host", { host: undefined }, {}, 400, "Host"],
    ["Host with a path", { host: "a.com/x" }, {}, 400, "Host"],
    ["no Upgrade", { upgrade: undefined }, {}, 400, "Upgrade"],
    ["Upgrade: h2c", { upgrade: "h2c" }, {}, 400, "Upgrade"],
    ["Connection without upgrade", { connection: "keep-alive" }, {}, 400, "Connection"],
    ["RFC 6455 version too", { "sec-websocket-version": "13" }, {}, 400, "RFC 6455"],
    ["missing Key1", { "sec-websocket-key1": undefined }, {}, 400, "missing Sec-WebSocket-Key1"],
    ["missing Key2", { "sec-websocket-key2": undefined }, {}, 400, "missing Sec-WebSocket-Key2"],
    ["bad Key2", { "sec-websocket-key2": "1 2 35" }, {}, 400, "Sec-WebSocket-Key2 number is not a multiple"],
    ["no Origin", { origin: undefined }, {}, 400, "Origin"],
    ["a body", { "transfer-encoding": "chunked" }, {}, 400, "body"],
    ["Content-Length 100", { "content-length": "100" }, {}, 400, "body"],
    ["absolute-form target", {}, { target: "http://example.com/demo" }, 400, "target"],
    ["fragment", {}, { target: "/demo#x" }, 400, "target"],
    ["empty protocol", { "sec-websocket-protocol": "" }, {}, 400, "Protocol"],
    ["non-ASCII protocol", { "sec-websocket-protocol": "caf\u00e9" }, {}, 400, "Protocol"]
  ])("refuses %s", (_name, patch, line, status, reason) => {
    const r = validateUpgrade(head(patch, line))
    expect(r).toBeInstanceOf(HandshakeError)
    expect((r as HandshakeError).status).toBe(status)
    expect((r as HandshakeError).reason).toContain(reason)
  })

  it("accepts Content-Length: 8 (it counts key3)", () => {
    ok(validateUpgrade(head({ "content-length": "8" })))
  })
})

describe("acceptResponse", () => {
  const request = ok(validateUpgrade(head({ host: "example.com:8080", "sec-websocket-protocol": "chat" }, { target: "/a?b" })))
  const text = (r: Uint8Array) => Buffer.from(r).toString("latin1")

  it("wss:// location when secure, host and port as sent", () => {
    expect(websocketLocation(request, true)).toBe("wss://example.com:8080/a?b")
    expect(text(acceptResponse({ request, key3: KEY3, secure: true }))).toContain(
      "\r\nSec-WebSocket-Location: wss://example.com:8080/a?b\r\n"
    )
  })

  it("echoes the protocol only when accepted", () => {
    expect(text(acceptResponse({ request, key3: KEY3 }))).not.toContain("Sec-WebSocket-Protocol")
    expect(text(acceptResponse({ request, key3: KEY3, acceptProtocol: true }))).toContain("\r\nSec-WebSocket-Protocol: chat\r\n")
  })

  it("adds extra headers, sanitised, never overriding the handshake's own", () => {
    const r = text(acceptResponse({ request, key3: KEY3, headers: { "Set-Cookie": "a=1\r\nX-Evil: 1", upgrade: "h2c", "bad name": "x" } }))
    expect(r).toContain("\r\nSet-Cookie: a=1  X-Evil: 1\r\n")
    expect(r.match(/upgrade:/gi)).toHaveLength(1)
    expect(r).not.toContain("bad name")
    expect(r.indexOf("\r\n\r\n")).toBe(r.length - 4 - 16) // the answer comes right after the head
  })
})

describe("Key3Collector", () => {
  const wire = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x41, 0xff)

  it("collects across any split and keeps the remainder (frames in the same chunk)", () => {
    for (let a = 0; a <= wire.length; a++) {
      for (let b = a; b <= wire.length; b++) {
        const c = new Key3Collector()
        const pieces = [wire.slice(0, a), wire.slice(a, b), wire.slice(b)]
        const rest: number[] = []
        let key3: Uint8Array | undefined
        for (const piece of pieces) {
          if (key3 !== undefined) {
            rest.push(...piece)
            continue
          }
          const r = c.push(piece)
          if (r instanceof HandshakeError) throw r
          if (r !== undefined) {
            key3 = r.key3
            rest.push(...r.rest)
          }
        }
        expect([...key3!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
        expect(rest).toEqual([0x00, 0x41, 0xff])
      }
    }
  })

  it("the remainder is a view of the chunk (zero-copy); a push after completion is a 500", () => {
    const c = new Key3Collector()
    expect(c.push(new Uint8Array(0))).toBeUndefined()
    const r = c.push(wire) as { key3: Uint8Array; rest: Uint8Array }
    expect(r.rest.buffer).toBe(wire.buffer)
    expect(r.rest.byteOffset).toBe(8)
    expect((c.push(wire) as HandshakeError).status).toBe(500)
  })
})
