/**
 * Interop: Python's `websockets` library (Debian python3-websockets, an implementation written
 * independently of both wspipe and ws) against the wspipe echo app over 127.0.0.1.
 *
 * interop/python_client.py does the exchange once and reports what it sent and what came back;
 * the assertions live here. Binary payloads are compared by SHA-256 plus length (and in full for
 * the small ones), and the 1 MiB payload's hash is also recomputed in Node from the shared
 * pattern formula, so the Python side cannot silently send something else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startCloseServer, startEchoServer } from "../interop/echo-server.js"
import { runPythonClient } from "../interop/python.js"
import { startWireTap, type WireTap } from "../interop/wire-tap.js"
import { patternBytes, SERVER_CLOSE_CODE, SERVER_CLOSE_REASON, sha256Hex } from "../interop/util.js"

let server: RunningServer
let summary: Promise<any>
let tap: WireTap

beforeAll(async () => {
  server = await startEchoServer()
  tap = await startWireTap(server.url) // reads the server's frames on the way to Python
  // One run of the script serves all assertions below; each test awaits the same promise.
  summary = runPythonClient("echo", tap.url)
  summary.catch(() => undefined) // reported by the tests that await it
})

afterAll(async () => {
  await tap?.close()
  if (!server) return
  const stopped = await server.stop()
  expect(stopped.forced, server.output()).toBe(false)
})

describe("interop: Python websockets <-> wspipe echo", () => {
  it("agrees to websockets' default permessage-deflate offer, without subprotocol", async () => {
    const s = await summary
    expect(s.extensions).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    expect(s.subprotocol).toBeNull()
  })

  it("the echoes Python received were compressed (RSV1 on the wire) from the 1024-byte threshold up", async () => {
    await summary
    const echo = tap.connections.find((c) => c.frames.length > 2)!
    expect(echo.violations).toEqual([])
    expect(echo.frames.some((f) => f.compressed)).toBe(true)
    for (const f of echo.frames.filter((f) => !f.compressed)) expect(f.size).toBeLessThan(1024)
  })

  it("echoes text messages exactly, as text", async () => {
    const s = await summary
    expect(s.text.map((t: any) => t.sent)).toEqual(["hello from python", "", "ünïcödé € 𝄞 😀", "x".repeat(70000)])
    for (const t of s.text) expect(t.received).toEqual({ type: "str", text: t.sent })
  })

  it("echoes binary messages byte for byte, as binary (256 B, empty, 1 MiB)", async () => {
    const s = await summary
    const [all256, empty, big] = s.binary
    const bytes256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    expect(all256.sent.hex).toBe(bytes256.toString("hex"))
    expect(all256.received).toEqual(all256.sent)
    expect(empty.received).toEqual({ type: "bytes", length: 0, sha256: sha256Hex(Buffer.alloc(0)), hex: "" })
    expect(big.sent.sha256).toBe(sha256Hex(patternBytes(1 << 20, 1)))
    expect(big.received).toEqual({ type: "bytes", length: 1 << 20, sha256: big.sent.sha256, hex: null })
  })

  it("reassembles messages that websockets sends fragmented", async () => {
    const s = await summary
    expect(s.fragmented.text.received).toEqual({ type: "str", text: "fragmented tëxt" })
    const parts = Buffer.concat([0, 1, 2, 3, 4].map((k) => patternBytes(1000, k)))
    expect(s.fragmented.binary.sent.sha256).toBe(sha256Hex(parts))
    expect(s.fragmented.binary.received).toEqual(s.fragmented.binary.sent)
  })

  it("answers each ping with a pong carrying the same payload", async () => {
    const s = await summary
    // websockets only resolves a ping for a pong with the identical payload.
    expect(s.pings).toEqual([
      { payload_length: 7, pong: true },
      { payload_length: 0, pong: true },
      { payload_length: 125, pong: true },
      { payload_length: null, pong: true } // websockets' own random 4-byte payload
    ])
  })

  it("keeps 300 pipelined messages in order", async () => {
    const s = await summary
    expect(s.ordered).toEqual({ count: 300, mismatches: [], mismatch_count: 0 })
  })

  it("echoes the close code 4000 and completes the closing handshake", async () => {
    const s = await summary
    expect(s.close.sent_code).toBe(4000)
    expect(s.close.close_code).toBe(4000)
    expect(s.close.close_frame_received).toBe(true)
  })
})

describe("interop: Python websockets sees a server-initiated close", () => {
  let closeServer: RunningServer | undefined
  beforeAll(async () => {
    closeServer = await startCloseServer()
  })
  afterAll(async () => {
    if (!closeServer) return
    const stopped = await closeServer.stop()
    expect(stopped.forced, closeServer.output()).toBe(false)
  })

  it("receives the server's close code and reason after the echo", async () => {
    // python_client.py sends "close-me" (CLOSE_TRIGGER) in server-close mode.
    const s = await runPythonClient("server-close", closeServer!.url)
    expect(s.before).toEqual({ type: "str", text: "still echoing" })
    expect(s.unexpected_message).toBeUndefined()
    expect(s.close).toEqual({
      close_code: SERVER_CLOSE_CODE,
      close_reason: SERVER_CLOSE_REASON,
      close_frame_received: true
    })
  })
})
