import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import * as http from "node:http"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import WebSocket from "ws"
import { Handshake, HandshakeError, Http } from "../src/index.js"

const KEY = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 §1.3

const baseHeaders: Record<string, string> = {
  host: "server.example.com",
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-key": KEY,
  "sec-websocket-version": "13",
  origin: "http://example.com"
}

const head = (patch: Record<string, string | undefined> = {}, line: Partial<Omit<Http.RequestHead, "headers">> = {}): Http.RequestHead => {
  const headers: Record<string, string> = Object.create(null)
  for (const [k, v] of Object.entries({ ...baseHeaders, ...patch })) if (v !== undefined) headers[k] = v
  return { method: "GET", target: "/chat", versionMajor: 1, versionMinor: 1, ...line, headers }
}

const ok = (r: Handshake.UpgradeRequest | HandshakeError): Handshake.UpgradeRequest => {
  if (r instanceof HandshakeError) throw new Error(`expected success, got ${r.message}`)
  return r
}
const fail = (r: Handshake.UpgradeRequest | HandshakeError): HandshakeError => {
  if (!(r instanceof HandshakeError)) throw new Error("expected a HandshakeError")
  return r
}

/** Minimal HTTP/1.1 response parser for the tests: status line, headers (lowercase), body. */
const parseResponse = (bytes: Uint8Array) => {
  const text = Buffer.from(bytes).toString("utf8")
  const end = text.indexOf("\r\n\r\n")
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n")
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(statusLine!)
  if (m === null) throw new Error(`bad status line ${statusLine}`)
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const colon = l.indexOf(":")
    if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(l)}`)
    const name = l.slice(0, colon).toLowerCase()
    if (name in headers) throw new Error(`duplicate header ${name}`)
    headers[name] = l.slice(colon + 1).trim()
  }
  return { status: Number(m[1]), phrase: m[2]!, headers, body: text.slice(end + 4) }
}

describe("Handshake.acceptKey", () => {
  it("computes the RFC's example Sec-WebSocket-Accept (RFC 6455 §1.3, §4.2.2)", () => {
    expect(Handshake.acceptKey(KEY)).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  })

  it("is base64(SHA-1(key + GUID)) for other keys (RFC 6455 §4.2.2 item 5.4)", () => {
    const key = "x3JJHMbDL1EzLkh9GBhXDw=="
    const expected = createHash("sha1")
      .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
      .digest("base64")
    expect(Handshake.acceptKey(key)).toBe(expected)
    expect(Handshake.acceptKey(key)).toBe("HSmrc0sMlYUkAGmm5OPpG2HaGWk=")
  })
})

describe("Handshake.validateUpgrade", () => {
  it("accepts a valid request and exposes path, query, key, offers (RFC 6455 §4.2.1)", () => {
    const r = ok(
      Handshake.validateUpgrade(
        head(
          {
            "sec-websocket-protocol": "chat, superchat",
            "sec-websocket-extensions": "permessage-deflate; client_max_window_bits"
          },
          { target: "/chat/room?id=1&x=2" }
        )
      )
    )
    expect(r.path).toBe("/chat/room")
    expect(r.query).toBe("id=1&x=2")
    expect(r.key).toBe(KEY)
    expect(r.protocols).toEqual(["chat", "superchat"])
    expect(r.extensions).toEqual([{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }])
    expect(r.head.headers.origin).toBe("http://example.com")
  })

  it("accepts a head from the incremental parser (RFC 6455 §4.1)", () => {
    const raw =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n" +
      `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`
    const parsed = Http.parseRequestHead(Buffer.from(raw))
    if (parsed === undefined || parsed instanceof HandshakeError) throw new Error("parse failed")
    expect(ok(Handshake.validateUpgrade(parsed.head)).path).toBe("/ws")
  })

  it("rejects non-GET with 405 and Allow: GET (RFC 6455 §4.1 item 2, RFC 9110 §15.5.6)", () => {
    for (const method of ["POST", "get", "HEAD", "CONNECT"]) {
      const e = fail(Handshake.validateUpgrade(head({}, { method })))
      expect(e.status).toBe(405)
      expect(e.headers).toEqual({ Allow: "GET" })
    }
  })

  it("rejects HTTP/1.0 and 0.9 with 400, HTTP/2 with 505 (RFC 6455 §4.1 item 2)", () => {
    expect(fail(Handshake.validateUpgrade(head({}, { versionMinor: 0 }))).status).toBe(400)
    expect(fail(Handshake.validateUpgrade(head({}, { versionMajor: 0, versionMinor: 9 }))).status).toBe(400)
    expect(fail(Handshake.validateUpgrade(head({}, { versionMajor: 2, versionMinor: 0 }))).status).toBe(505)
    expect(ok(Handshake.validateUpgrade(head({}, { versionMinor: 2 }))).key).toBe(KEY)
  })

  it("rejects a missing or empty Host with 400 (RFC 6455 §4.1 item 4, RFC 9112 §3.2)", () => {
    expect(fail(Handshake.validateUpgrade(head({ host: undefined }))).status).toBe(400)
    expect(fail(Handshake.validateUpgrade(head({ host: "" }))).status).toBe(400)
  })

  const badKeys: ReadonlyArray<readonly [string, string | undefined]> = [
    ["missing", undefined],
    ["empty", ""],
    ["23 chars", "dGhlIHNhbXBsZSBub25jZQ="],
    ["25 chars", "dGhlIHNhbXBsZSBub25jZQ==="],
    ["18 bytes, no padding", "AAAAAAAAAAAAAAAAAAAAAAAA"],
    ["17 bytes (one '=')", "AAAAAAAAAAAAAAAAAAAAAAA="],
    ["invalid char", "dGhlIHNhbXBsZSBub25jZ!=="],
    ["url-safe alphabet", "dGhlIHNhbXBsZ-Bub25jZQ=="],
    ["padding inside", "dGhlIHNhbXBsZSBub25j=Q=="],
    ["space inside", "dGhlIHNhbXBs ZSBub25jZQ=="],
    ["non-canonical trailing bits", "dGhlIHNhbXBsZSBub25jZR=="],
    ["non-ASCII", "dGhlIHNhbXBsZSBub25jZ\u00e9=="],
    ["repeated header (joined)", `${KEY}, ${KEY}`]
  ]
  for (const [name, key] of badKeys) {
    it(`rejects a Sec-WebSocket-Key that is ${name} with 400 (RFC 6455 §4.2.1 item 5)`, () => {
      const e = fail(Handshake.validateUpgrade(head({ "sec-websocket-key": key })))
      expect(e.status).toBe(400)
      expect(e.reason).toMatch(/Sec-WebSocket-Key/)
    })
  }

  it("accepts any canonical base64 of 16 random bytes (RFC 6455 §4.1 item 7)", () => {
    for (let i = 0; i < 200; i++) {
      const key = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString("base64")
      expect(ok(Handshake.validateUpgrade(head({ "sec-websocket-key": key }))).key).toBe(key)
    }
  })

  it("answers 426 with Sec-WebSocket-Version: 13 for another or no version (RFC 6455 §4.2.2 item 4, §4.4)", () => {
    for (const version of [undefined, "8", "12", "14", "13, 8", ""]) {
      const e = fail(Handshake.validateUpgrade(head({ "sec-websocket-version": version })))
      expect(e.status).toBe(426)
      expect(e.headers).toEqual({ Upgrade: "websocket", "Sec-WebSocket-Version": "13" })
    }
  })

  it("checks the version before the key, so old drafts learn the version (RFC 6455 §4.4)", () => {
    const e = fail(Handshake.validateUpgrade(head({ "sec-websocket-version": "0", "sec-websocket-key": undefined })))
    expect(e.status).toBe(426)
  })

  it("answers 426 with Upgrade: websocket without the websocket token (RFC 6455 §4.2.1 item 3, RFC 9110 §15.5.22)", () => {
    for (const upgrade of [undefined, "", "h2c", "websocket2", "web socket", "notwebsocket", "websocket/13"]) {
      const e = fail(Handshake.validateUpgrade(head({ upgrade })))
      expect(e.status).toBe(426)
      expect(e.headers).toEqual({ Upgrade: "websocket" })
    }
  })

  it("answers 400 without the upgrade token in Connection (RFC 6455 §4.2.1 item 4)", () => {
    for (const connection of [undefined, "", "keep-alive", "upgrade-insecure", "close; upgrade", "up grade"]) {
      expect(fail(Handshake.validateUpgrade(head({ connection }))).status).toBe(400)
    }
  })

  it("finds tokens in lists with spaces, tabs and mixed case (RFC 6455 §4.2.1, RFC 9110 §5.6.1)", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["keep-alive,\tUpgrade", "websocket"],
      ["keep-alive, Upgrade", "WebSocket"],
      ["UPGRADE", "WEBSOCKET"],
      ["\tkeep-alive ,\t upgrade \t", "h2c, websocket"],
      ["Upgrade,keep-alive", "websocket ,h2c"],
      [",, upgrade ,", " , websocket"]
    ]
    for (const [connection, upgrade] of cases) {
      expect(ok(Handshake.validateUpgrade(head({ connection, upgrade }))).key).toBe(KEY)
    }
  })

  it("rejects an upgrade request with a body (RFC 6455 §4.1, RFC 9112 §6)", () => {
    expect(fail(Handshake.validateUpgrade(head({ "content-length": "5" }))).status).toBe(400)
    expect(fail(Handshake.validateUpgrade(head({ "transfer-encoding": "chunked" }))).status).toBe(400)
    expect(ok(Handshake.validateUpgrade(head({ "content-length": "0" }))).key).toBe(KEY)
  })

  it("splits origin- and absolute-form targets, rejects others (RFC 9112 §3.2, RFC 6455 §3)", () => {
    const split = (target: string) => {
      const r = ok(Handshake.validateUpgrade(head({}, { target })))
      return [r.path, r.query]
    }
    expect(split("/")).toEqual(["/", ""])
    expect(split("/a?")).toEqual(["/a", ""])
    expect(split("/a?b?c")).toEqual(["/a", "b?c"])
    expect(split("ws://host:80/p/q?x=1")).toEqual(["/p/q", "x=1"])
    expect(split("http://host")).toEqual(["/", ""])
    expect(split("http://host?x=/y")).toEqual(["/", "x=/y"])
    for (const target of ["*", "host:443", "/a#frag", "", "://x/"]) {
      expect(fail(Handshake.validateUpgrade(head({}, { target }))).status).toBe(400)
    }
  })

  it("rejects malformed protocol and extension headers with 400 (RFC 6455 §4.1 item 10, §9.1)", () => {
    expect(fail(Handshake.validateUpgrade(head({ "sec-websocket-protocol": "a b" }))).status).toBe(400)
    expect(fail(Handshake.validateUpgrade(head({ "sec-websocket-extensions": "x; =1" }))).status).toBe(400)
  })
})

describe("Http.fromNode", () => {
  it("builds a Http.RequestHead from an IncomingMessage shape (RFC 9110 §5.3)", () => {
    const h = Http.fromNode({
      method: "GET",
      url: "/x?y",
      httpVersionMajor: 1,
      httpVersionMinor: 1,
      headers: { ...baseHeaders, "x-multi": ["a", "b"], "x-undefined": undefined }
    })
    expect(Object.getPrototypeOf(h.headers)).toBeNull()
    expect(h.headers["x-multi"]).toBe("a, b")
    expect("x-undefined" in h.headers).toBe(false)
    expect(ok(Handshake.validateUpgrade(h)).query).toBe("y")
    expect(fail(Handshake.validateUpgrade(Http.fromNode({ httpVersionMajor: 1, httpVersionMinor: 1, headers: {} }))).status).toBe(405)
  })
})

describe("responses", () => {
  it("builds a 101 that parses back with the right accept value (RFC 6455 §4.2.2 item 5)", () => {
    const res = parseResponse(
      Handshake.acceptResponse({
        key: KEY,
        protocol: "chat",
        extensions: "permessage-deflate; server_no_context_takeover",
        headers: { "X-Server": "wspipe", Upgrade: "h2c", "Sec-WebSocket-Accept": "forged", "Bad Name": "v" }
      })
    )
    expect(res.status).toBe(101)
    expect(res.phrase).toBe("Switching Protocols")
    expect(res.headers).toEqual({
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
      "sec-websocket-protocol": "chat",
      "sec-websocket-extensions": "permessage-deflate; server_no_context_takeover",
      "x-server": "wspipe"
    })
    expect(res.body).toBe("")
  })

  it("omits protocol and extensions when not negotiated (RFC 6455 §4.2.2 item 5.5)", () => {
    const res = parseResponse(Handshake.acceptResponse({ key: KEY }))
    expect(Object.keys(res.headers).sort()).toEqual(["connection", "sec-websocket-accept", "upgrade"])
  })

  it("builds a rejection with Error header, extra headers and body (RFC 6455 §4.2.1)", () => {
    const e = new HandshakeError(426, "unsupported Sec-WebSocket-Version", {
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13"
    })
    const res = parseResponse(Handshake.rejectResponse(e))
    expect(res.status).toBe(426)
    expect(res.phrase).toBe("Upgrade Required")
    expect(res.headers).toEqual({
      error: "unsupported Sec-WebSocket-Version",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      connection: "Upgrade, close",
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(e.reason.length)
    })
    expect(res.body).toBe(e.reason)
  })

  it("uses reason phrases, custom bodies with UTF-8 lengths, and 500 for bad statuses (RFC 9112 §4)", () => {
    const notFound = parseResponse(Handshake.rejectResponse(404))
    expect([notFound.status, notFound.phrase, notFound.headers.error, notFound.body]).toEqual([404, "Not Found", "Not Found", "Not Found"])
    const custom = parseResponse(Handshake.rejectResponse({ status: 403, reason: "origin refusé" }, "accès refusé ✋"))
    expect(custom.headers.error).toBe("origin refus?")
    expect(custom.headers["content-length"]).toBe(String(Buffer.byteLength("accès refusé ✋")))
    expect(custom.body).toBe("accès refusé ✋")
    expect(parseResponse(Handshake.rejectResponse(101)).status).toBe(500)
    expect(parseResponse(Handshake.rejectResponse(1234)).status).toBe(500)
    expect(Handshake.reasonPhrase(405)).toBe("Method Not Allowed")
    expect(Handshake.reasonPhrase(599)).toBe("")
  })

  it("never lets the Error header or extra headers inject lines (RFC 9110 §5.5)", () => {
    const evil = "bad\r\nSet-Cookie: pwned=1\r\n\r\n<html>"
    const bytes = Handshake.rejectResponse(new HandshakeError(400, evil, { "X-A": "v\nInjected: 1", "X\r\nB": "x" }))
    const text = Buffer.from(bytes).toString("latin1")
    const headPart = text.slice(0, text.indexOf("\r\n\r\n"))
    expect(headPart).not.toMatch(/\r\nSet-Cookie/i)
    expect(headPart).not.toMatch(/\nInjected/)
    const res = parseResponse(bytes)
    expect(res.headers["set-cookie"]).toBeUndefined()
    expect(res.headers.error).toBe("bad  Set-Cookie: pwned=1    <html>")
    expect(res.headers["x-a"]).toBe("v Injected: 1")
    expect(res.body).toBe(evil) // the body may hold anything: Content-Length frames it
    const accepted = Buffer.from(Handshake.acceptResponse({ key: KEY, protocol: "p\r\nX: y" })).toString("latin1")
    expect(accepted).not.toMatch(/\r\nX: y/)
  })
})

describe("interoperability with real implementations", () => {
  const listen = (server: net.Server): Promise<number> =>
    new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)))

  it("completes a handshake with the ws client over a raw socket (RFC 6455 §4.1, §4.2.2)", async () => {
    const server = net.createServer((socket) => {
      const parser = new Http.RequestHeadParser()
      let handshaking = true
      socket.on("data", (chunk: Buffer) => {
        if (!handshaking) return // later bytes are frames: the runtime's frame parser gets them
        const r = parser.push(chunk)
        if (r === undefined) return
        handshaking = false
        if (r instanceof HandshakeError) return void socket.end(Handshake.rejectResponse(r))
        const req = Handshake.validateUpgrade(r.head)
        if (req instanceof HandshakeError) return void socket.end(Handshake.rejectResponse(req))
        socket.write(Handshake.acceptResponse({ key: req.key, protocol: req.protocols[1] }))
        socket.end(Uint8Array.of(0x88, 0x02, 0x03, 0xe8)) // close 1000 (§5.5.1)
      })
    })
    const port = await listen(server)
    try {
      const protocol = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/path?q=1`, ["one", "two"])
        ws.on("open", () => resolve(ws.protocol))
        ws.on("error", reject)
      })
      expect(protocol).toBe("two")
    } finally {
      server.close()
    }
  })

  it("rejections parse in Node's HTTP client and validate heads from Node's parser (RFC 6455 §4.2.1)", async () => {
    const server = http.createServer((_req, res) => res.end())
    server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
      const r = Handshake.validateUpgrade(Http.fromNode(req))
      socket.end(r instanceof HandshakeError ? Handshake.rejectResponse(r) : Handshake.acceptResponse({ key: r.key }))
    })
    const port = await listen(server)
    try {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .get({
            port,
            host: "127.0.0.1",
            path: "/",
            headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "8" }
          })
          .on("response", resolve)
          .on("upgrade", reject)
          .on("error", reject)
      })
      expect(res.statusCode).toBe(426)
      expect(res.headers["sec-websocket-version"]).toBe("13")
      expect(res.headers.error).toBe("unsupported Sec-WebSocket-Version")
      const body = await new Promise<string>((resolve) => {
        let s = ""
        res
          .setEncoding("utf8")
          .on("data", (d: string) => (s += d))
          .on("end", () => resolve(s))
      })
      expect(body).toBe("unsupported Sec-WebSocket-Version")
      // And a real client through Node's parser is accepted.
      await new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
        ws.on("open", () => {
          ws.terminate()
          resolve()
        })
        ws.on("error", reject)
      })
    } finally {
      server.close()
      server.closeAllConnections()
    }
  })
})
