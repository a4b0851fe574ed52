import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { HandshakeError, Http } from "../src/index.js"

const enc = (s: string): Uint8Array => Buffer.from(s, "latin1")

// A real Chrome handshake (RFC 6455 §1.3 / §4.1 shape), with mixed-case names and a repeated header.
const REQUEST =
  "GET /chat?room=1&x=%20 HTTP/1.1\r\n" +
  "Host: example.com:8080\r\n" +
  "Connection: Upgrade\r\n" +
  "Pragma: no-cache\r\n" +
  "Cache-Control: no-cache\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36\r\n" +
  "Upgrade: websocket\r\n" +
  "Origin: http://example.com\r\n" +
  "Sec-WebSocket-Version: 13\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Accept-Language: en-US,en;q=0.9\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
  "Sec-WebSocket-Protocol: chat\r\n" +
  "sec-websocket-protocol: superchat\r\n" +
  "\r\n"

// A masked text frame "Hello" (RFC 6455 §5.7) pipelined right after the head.
const FRAME = Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58)

const complete = (r: Http.RequestHeadResult): Http.RequestHeadComplete => {
  if (r === undefined || r instanceof HandshakeError) throw new Error(`expected a head, got ${String(r)}`)
  return r
}

const failure = (r: Http.RequestHeadResult): HandshakeError => {
  if (!(r instanceof HandshakeError)) throw new Error(`expected an error, got ${JSON.stringify(r)}`)
  return r
}

/** Feeds `bytes` cut at `cuts`; returns the first non-undefined result and the bytes not consumed. */
const feed = (bytes: Uint8Array, cuts: ReadonlyArray<number>, parser = new Http.RequestHeadParser()) => {
  const bounds = [0, ...cuts, bytes.length]
  for (let k = 0; k + 1 < bounds.length; k++) {
    const r = parser.push(bytes.slice(bounds[k], bounds[k + 1]))
    if (r !== undefined) {
      const after = bytes.subarray(bounds[k + 1])
      return { result: r, after }
    }
  }
  return { result: undefined, after: new Uint8Array(0) }
}

const expected = complete(Http.parseRequestHead(enc(REQUEST))).head

describe("Http.RequestHeadParser", () => {
  it("parses a real request head (RFC 9112 §3, §5; RFC 6455 §4.1)", () => {
    const { head, rest } = complete(Http.parseRequestHead(enc(REQUEST)))
    expect(head.method).toBe("GET")
    expect(head.target).toBe("/chat?room=1&x=%20")
    expect([head.versionMajor, head.versionMinor]).toEqual([1, 1])
    expect(head.headers.host).toBe("example.com:8080")
    expect(head.headers["sec-websocket-key"]).toBe("dGhlIHNhbXBsZSBub25jZQ==")
    expect(head.headers["sec-websocket-protocol"]).toBe("chat, superchat") // RFC 9110 §5.3
    expect(Object.keys(head.headers)).toHaveLength(13)
    expect(Object.getPrototypeOf(head.headers)).toBeNull()
    expect(rest.length).toBe(0)
  })

  it("gives the same head for a split at every byte position (RFC 9112 §2.2)", () => {
    const bytes = enc(REQUEST)
    for (let p = 1; p < bytes.length; p++) {
      const { result, after } = feed(bytes, [p])
      const r = complete(result)
      expect(r.head).toEqual(expected)
      expect(r.rest.length + after.length).toBe(0)
    }
  })

  it("gives the same head for every split into three chunks (RFC 9112 §2.2)", () => {
    const bytes = enc(REQUEST)
    for (let p = 1; p < bytes.length; p += 3) {
      for (let q = p + 1; q < bytes.length; q += 2) {
        expect(complete(feed(bytes, [p, q]).result).head).toEqual(expected)
      }
    }
  })

  it("gives the same head fed one byte at a time (RFC 9112 §2.2)", () => {
    const bytes = enc(REQUEST)
    const parser = new Http.RequestHeadParser()
    for (let i = 0; i < bytes.length - 1; i++) expect(parser.push(bytes.subarray(i, i + 1))).toBeUndefined()
    const r = complete(parser.push(bytes.subarray(bytes.length - 1)))
    expect(r.head).toEqual(expected)
    expect(r.rest.length).toBe(0)
  })

  it("returns pipelined frame bytes as a zero-copy rest (RFC 6455 §4.1, §5.2)", () => {
    const bytes = new Uint8Array([...enc(REQUEST), ...FRAME])
    const r = complete(Http.parseRequestHead(bytes))
    expect(r.head).toEqual(expected)
    expect(Array.from(r.rest)).toEqual(Array.from(FRAME))
    expect(r.rest.buffer).toBe(bytes.buffer)
  })

  it("loses no frame byte whatever the split of head + frames (RFC 6455 §5.2)", () => {
    const bytes = new Uint8Array([...enc(REQUEST), ...FRAME])
    for (let p = 1; p < bytes.length; p++) {
      const { result, after } = feed(bytes, [p])
      const r = complete(result)
      expect(r.head).toEqual(expected)
      // What the runtime hands to the frame parser: rest, then every later chunk.
      expect([...r.rest, ...after]).toEqual(Array.from(FRAME))
    }
  })

  it("answers 431 once the head outgrows the limit, before any terminator (RFC 6585 §5)", () => {
    const big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(Http.DEFAULT_MAX_HEAD_SIZE)
    // No CRLFCRLF at all: the limit alone must trigger the rejection.
    expect(failure(Http.parseRequestHead(enc(big))).status).toBe(431)
    expect(failure(Http.parseRequestHead(enc(big + "\r\n\r\n"))).status).toBe(431)
  })

  it("answers 431 fed byte by byte, at exactly the byte that crosses the limit (RFC 6585 §5)", () => {
    const max = 64
    const bytes = enc("GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(200))
    const parser = new Http.RequestHeadParser({ maxHeadSize: max })
    for (let i = 0; i < max - 1; i++) expect(parser.push(bytes.subarray(i, i + 1))).toBeUndefined()
    const r = failure(parser.push(bytes.subarray(max - 1, max)))
    expect(r.status).toBe(431)
    // After an error the parser stays failed.
    expect(parser.push(bytes.subarray(max))).toBe(r)
  })

  it("accepts a head of exactly maxHeadSize bytes, rejects one byte more (RFC 6585 §5)", () => {
    const base = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n"
    const pad = (n: number) => enc(base.replace("X: ", "X: " + "v".repeat(n)))
    const exact = pad(100 - base.length)
    expect(exact.length).toBe(100)
    expect(complete(Http.parseRequestHead(exact, { maxHeadSize: 100 })).head.headers.x).toHaveLength(100 - base.length)
    expect(failure(Http.parseRequestHead(pad(101 - base.length), { maxHeadSize: 100 })).status).toBe(431)
    // Frames after a head at the limit do not count against it.
    const withFrame = new Uint8Array([...exact, ...FRAME])
    expect(complete(Http.parseRequestHead(withFrame, { maxHeadSize: 100 })).rest.length).toBe(FRAME.length)
  })

  it("accepts bare LF line endings, alone or mixed with CRLF (RFC 9112 §2.2)", () => {
    const lf = REQUEST.replaceAll("\r\n", "\n")
    expect(complete(Http.parseRequestHead(enc(lf))).head).toEqual(expected)
    const mixed = REQUEST.replace("\r\n\r\n", "\n\r\n").replace("Host: example.com:8080\r\n", "Host: example.com:8080\n")
    expect(complete(Http.parseRequestHead(enc(mixed))).head).toEqual(expected)
    const bytes = enc(lf + "\x81")
    for (let p = 1; p < bytes.length; p++) {
      const { result, after } = feed(bytes, [p])
      expect([...complete(result).rest, ...after]).toEqual([0x81])
    }
  })

  it("ignores empty lines before the request line (RFC 9112 §2.2)", () => {
    const r = complete(Http.parseRequestHead(enc("\r\n\n" + REQUEST)))
    expect(r.head).toEqual(expected)
    const bytes = enc("\r\n" + REQUEST)
    for (let p = 1; p < 6; p++) expect(complete(feed(bytes, [p]).result).head).toEqual(expected)
  })

  it('lowercases names, trims SP/HTAB OWS and joins repeats with ", " (RFC 9110 §5.3, RFC 9112 §5.1)', () => {
    const { head } = complete(
      Http.parseRequestHead(
        enc(
          "GET / HTTP/1.1\r\nHOST: a\r\nX-List: \t one \t\r\nx-list:two\r\nX-LIST:\r\nEmpty:\r\n" +
            "Cookie: a=1\r\ncookie: b=2\r\n__proto__: p\r\n\r\n"
        )
      )
    )
    expect(head.headers.host).toBe("a")
    expect(head.headers["x-list"]).toBe("one, two, ")
    expect(head.headers.empty).toBe("")
    expect(head.headers.cookie).toBe("a=1; b=2")
    expect(Object.hasOwn(head.headers, "__proto__")).toBe(true)
    expect(Object.getOwnPropertyDescriptor(head.headers, "__proto__")?.value).toBe("p")
    expect(head.headers.toString).toBeUndefined()
  })

  it("keeps obs-text bytes in values as latin1 (RFC 9110 §5.5)", () => {
    const bytes = new Uint8Array([...enc("GET / HTTP/1.1\r\nX: a"), 0xe9, 0xff, ...enc("\r\n\r\n")])
    expect(complete(Http.parseRequestHead(bytes)).head.headers.x).toBe("a\u00e9\u00ff")
  })

  const rejects: ReadonlyArray<readonly [string, string]> = [
    ["header without colon (RFC 9112 §5)", "GET / HTTP/1.1\r\nHost a\r\n\r\n"],
    ["whitespace before colon (RFC 9112 §5.1)", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"],
    ["tab before colon (RFC 9112 §5.1)", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"],
    ["obs-fold (RFC 9112 §5.2)", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n"],
    ["obs-fold with tab (RFC 9112 §5.2)", "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"],
    ["empty name (RFC 9110 §5.1)", "GET / HTTP/1.1\r\n: a\r\n\r\n"],
    ["non-token name (RFC 9110 §5.1)", "GET / HTTP/1.1\r\nX(y): a\r\n\r\n"],
    ["NUL in value (RFC 9110 §5.5)", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"],
    ["bare CR in value (RFC 9112 §2.2)", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"],
    ["bare CR line (RFC 9112 §2.2)", "GET / HTTP/1.1\r\n\r\r\n\r\n"],
    ["DEL in value (RFC 9110 §5.5)", "GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n"],
    ["control char in value (RFC 9110 §5.5)", "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n"],
    ["duplicate Host (RFC 9112 §3.2)", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"],
    ["two spaces in request line (RFC 9112 §3)", "GET  / HTTP/1.1\r\n\r\n"],
    ["missing version (RFC 9112 §3)", "GET /\r\n\r\n"],
    ["lowercase http (RFC 9112 §2.3)", "GET / http/1.1\r\n\r\n"],
    ["two-digit version (RFC 9112 §2.3)", "GET / HTTP/1.10\r\n\r\n"],
    ["letter version (RFC 9112 §2.3)", "GET / HTTP/1.x\r\n\r\n"],
    ["space in target (RFC 9112 §3.2)", "GET /a b HTTP/1.1\r\n\r\n"],
    ["control in target (RFC 9112 §3.2)", "GET /a\x01 HTTP/1.1\r\n\r\n"],
    ["non-ASCII in target (RFC 3986 §2)", "GET /\u00e9 HTTP/1.1\r\n\r\n"],
    ["non-token method (RFC 9110 §9.1)", "G(T / HTTP/1.1\r\n\r\n"],
    ["trailing space after version (RFC 9112 §3)", "GET / HTTP/1.1 \r\n\r\n"]
  ]
  for (const [name, text] of rejects) {
    it(`rejects ${name} with 400`, () => {
      const r = failure(Http.parseRequestHead(enc(text)))
      expect(r.status).toBe(400)
      expect(r._tag).toBe("HandshakeError")
    })
  }

  it("accepts a valid head that only differs from a rejected one (control for RFC 9112 §5.1)", () => {
    expect(complete(Http.parseRequestHead(enc("GET / HTTP/1.1\r\nHost:a\r\nX:\tb c\t\r\n\r\n"))).head.headers.x).toBe("b c")
  })

  it("refuses a second push after completion without throwing (RFC 6455 §4.2.1)", () => {
    const parser = new Http.RequestHeadParser()
    complete(parser.push(enc(REQUEST)))
    expect(failure(parser.push(FRAME)).status).toBe(500)
  })

  it("waits for more bytes on an empty chunk or a partial terminator (RFC 9112 §2.2)", () => {
    const parser = new Http.RequestHeadParser()
    expect(parser.push(new Uint8Array(0))).toBeUndefined()
    expect(parser.push(enc("GET / HTTP/1.1\r\nHost: a\r\n\r"))).toBeUndefined()
    expect(complete(parser.push(enc("\n"))).head.headers.host).toBe("a")
  })

  it("never throws on random bytes in random chunkings (RFC 9112 §2.2 robustness)", () => {
    const alphabet = fc.constantFrom(..."GET/ HTP1.:\r\n\t\0aZ,;=\x7f\xe9".split("").map((c) => c.charCodeAt(0)))
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(alphabet, { maxLength: 300 }).map((a) => Uint8Array.from(a)),
      // Valid requests with random bytes spliced in.
      fc
        .tuple(fc.nat(REQUEST.length), fc.uint8Array({ maxLength: 8 }))
        .map(([at, junk]) => new Uint8Array([...enc(REQUEST.slice(0, at)), ...junk, ...enc(REQUEST.slice(at))]))
    )
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 1, max: 400 }), (b, raw, max) => {
        const cuts = [...new Set(raw.map((c) => c % (b.length + 1)))].sort((x, y) => x - y)
        const parser = new Http.RequestHeadParser({ maxHeadSize: max })
        let last: Http.RequestHeadResult
        const bounds = [0, ...cuts, b.length]
        for (let k = 0; k + 1 < bounds.length; k++) {
          last = parser.push(b.slice(bounds[k], bounds[k + 1]))
          if (last !== undefined) break
        }
        const ok =
          last === undefined || last instanceof HandshakeError || (typeof last.head.method === "string" && last.rest instanceof Uint8Array)
        // The chunking never changes the outcome.
        const once = Http.parseRequestHead(b, { maxHeadSize: max })
        return (
          ok &&
          (once instanceof HandshakeError
            ? last instanceof HandshakeError && last.status === once.status
            : once === undefined
              ? last === undefined
              : !(last instanceof HandshakeError) && last !== undefined)
        )
      }),
      { numRuns: 3000 }
    )
  })
})
