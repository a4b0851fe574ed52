/** The client handshake: key, accept (RFC 6455 §1.3 example), request bytes, response head. */
import { describe, expect, it } from "vitest"
import {
  checkUpgradeResponse,
  expectedAccept,
  newKey,
  parseResponseHead,
  ResponseHeadReader,
  SAMPLE_KEY,
  upgradeRequest
} from "../src/index.js"

const OK =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"

describe("key and accept (§1.3, §4.1, §4.2.2)", () => {
  it("the accept of the RFC's sample key", () => {
    expect(expectedAccept(SAMPLE_KEY)).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  })

  it("a new key is the base64 of 16 random bytes", () => {
    const key = newKey()
    expect(Buffer.from(key, "base64")).toHaveLength(16)
    expect(newKey()).not.toBe(key)
  })
})

describe("upgradeRequest (§4.1)", () => {
  it("has every header a valid request needs", () => {
    expect(upgradeRequest({ host: "example.com:80", path: "/chat", key: SAMPLE_KEY })).toBe(
      "GET /chat HTTP/1.1\r\nHost: example.com:80\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
  })

  it("replaces, drops and adds headers; any method and version", () => {
    const r = upgradeRequest({
      method: "POST",
      httpVersion: "HTTP/1.0",
      headers: { Upgrade: null, "Sec-WebSocket-Version": "8", "X-A": "1" }
    })
    expect(r.startsWith("POST / HTTP/1.0\r\nHost: 127.0.0.1\r\n")).toBe(true)
    expect(r).not.toMatch(/Upgrade: websocket/)
    expect(r).toMatch(/Sec-WebSocket-Version: 8\r\n/)
    expect(r.endsWith("X-A: 1\r\n\r\n")).toBe(true)
  })
})

describe("response head", () => {
  it("parses status and lower-cased headers, repeated ones joined", () => {
    const text = "HTTP/1.1 426 Upgrade Required\r\nX-A: 1\r\nx-a: 2\r\n\r\n"
    const head = parseResponseHead(Buffer.from(text + "body"))!
    expect(head.status).toBe(426)
    expect(head.headers.get("x-a")).toBe("1, 2")
    expect(head.headLength).toBe(text.length)
    expect(parseResponseHead(Buffer.from("HTTP/1.1 101 Switching"))).toBeUndefined()
  })

  it("ResponseHeadReader collects the head across chunks and returns the bytes after it", () => {
    const reader = new ResponseHeadReader()
    const bytes = Buffer.concat([Buffer.from(OK), Buffer.from([0x81, 0x00])])
    expect(reader.push(bytes.subarray(0, 10))).toBeUndefined()
    const r = reader.push(bytes.subarray(10))
    expect(r !== undefined && r !== "too-large" && [r.head.status, [...r.rest]]).toEqual([101, [0x81, 0x00]])
    expect(new ResponseHeadReader(8).push(Buffer.from("HTTP/1.1 101 ..."))).toBe("too-large")
  })

  it("checkUpgradeResponse: nothing wrong with a correct 101, each problem named otherwise", () => {
    expect(checkUpgradeResponse(parseResponseHead(Buffer.from(OK))!, SAMPLE_KEY)).toEqual([])
    const bad = parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nSec-WebSocket-Accept: nope\r\n\r\n"))!
    expect(checkUpgradeResponse(bad, SAMPLE_KEY)).toHaveLength(4)
  })
})
