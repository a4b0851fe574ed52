/**
 * Interop: a real browser. Headless Chromium (Debian's package, driven by playwright-core) loads
 * interop/browser-page.html from a node:http server on 127.0.0.1, and the page talks to the
 * wspipe echo app with the browser's own WebSocket: text, binary sent as ArrayBuffer, Blob and a
 * typed-array view, received with binaryType "arraybuffer" and "blob", ordering, and closes.
 *
 * The page reports what came back (type, length, SHA-256, and full hex for small payloads); the
 * expected values are recomputed here in Node, so a wrong byte anywhere fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startWireTap, type Tapped, type WireTap } from "../interop/wire-tap.js"
import { type BrowserSession, launchBrowser, startPageServer } from "../interop/browser.js"
import { type RunningServer, startCloseServer, startEchoServer } from "../interop/echo-server.js"
import { patternBytes, SERVER_CLOSE_CODE, SERVER_CLOSE_REASON, sha256Hex } from "../interop/util.js"

// The whole file must finish within a minute even when something hangs: every wait below gets
// what is left of this budget (plus teardown, which is bounded separately), and the vitest hook
// timeouts are set above it so our own, more descriptive timeouts fire first.
const deadline = Date.now() + 38_000
const left = () => Math.max(1_000, deadline - Date.now())
const HOOK_MS = 60_000

let echoServer: RunningServer | undefined
let pageServer: { origin: string; close: () => Promise<void> } | undefined
let browser: BrowserSession | undefined
let tap: WireTap | undefined

beforeAll(async () => {
  ;[echoServer, pageServer] = await Promise.all([startEchoServer({ readyTimeoutMs: left() }), startPageServer()])
  tap = await startWireTap(echoServer.url)
  browser = await launchBrowser(pageServer.origin, left())
}, HOOK_MS)

afterAll(async () => {
  await tap?.close()
  await browser?.close()
  await pageServer?.close()
  if (echoServer) {
    const stopped = await echoServer.stop()
    expect(stopped.forced, echoServer.output()).toBe(false)
  }
}, HOOK_MS)

/** The default answer (docs/limits.md): no context takeover either way. */
const DEFAULT_ANSWER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

/** Every echo of at least the 1024-byte threshold was compressed (RSV1), every smaller one not (RFC 7692 §6). */
const expectCompressedEchoes = (tapped: Tapped) => {
  expect(tapped.violations).toEqual([])
  const big = tapped.frames.filter((f) => f.compressed)
  expect(big.length, "compressed frames").toBeGreaterThan(0)
  // A compressed frame carries a payload smaller than its message; the uncompressed ones are the small messages.
  for (const f of tapped.frames.filter((f) => !f.compressed)) expect(f.size).toBeLessThan(1024)
}

/** What the page reports for a binary payload that arrived as `type`. */
function binary(type: "arraybuffer" | "blob", bytes: Uint8Array) {
  return {
    type,
    length: bytes.length,
    sha256: sha256Hex(bytes),
    hex: bytes.length <= 1024 ? Buffer.from(bytes).toString("hex") : null
  }
}

describe("interop: Chromium WebSocket <-> wspipe echo", () => {
  let r: any
  beforeAll(async () => {
    r = await browser!.run("echo", tap!.url, left()) // through the tap, which reads the server's frames
  }, HOOK_MS)

  it("opens without a subprotocol and agrees to Chromium's permessage-deflate offer", () => {
    expect(r.protocol).toBe("")
    expect(r.extensions).toBe(DEFAULT_ANSWER)
  })

  it("the echoes Chromium received were compressed (RSV1 on the wire) from the 1024-byte threshold up", () => {
    // The page's echo connection: the one that carried the most frames.
    const echo = [...tap!.connections].sort((a, b) => b.frames.length - a.frames.length)[0]!
    expect(echo.extensions).toBe(DEFAULT_ANSWER)
    expectCompressedEchoes(echo)
  })

  it("echoes text as text, exactly", () => {
    expect(r.text.map((t: any) => t.sent)).toEqual(["hello browser", "", "ünïcödé € 𝄞 😀", "z".repeat(70000)])
    for (const t of r.text) expect(t.received).toEqual({ type: "string", text: t.sent })
  })

  it("echoes an ArrayBuffer, a Blob and a typed-array view, received as ArrayBuffer", () => {
    expect(r.arrayBufferToArrayBuffer).toEqual(
      binary(
        "arraybuffer",
        Uint8Array.from({ length: 256 }, (_, i) => i)
      )
    )
    expect(r.blobToArrayBuffer).toEqual(binary("arraybuffer", patternBytes(1000, 3)))
    // Only the view's 300 bytes, not the whole 600-byte buffer behind it.
    expect(r.viewToArrayBuffer).toEqual(binary("arraybuffer", patternBytes(600, 4).subarray(100, 400)))
  })

  it("echoes a 1 MiB ArrayBuffer byte for byte", () => {
    expect(r.largeToArrayBuffer).toEqual(binary("arraybuffer", patternBytes(1 << 20, 1)))
  })

  it("delivers binary as Blob when binaryType is 'blob', and text still as text", () => {
    expect(r.arrayBufferToBlob).toEqual(binary("blob", patternBytes(3000, 5)))
    expect(r.blobToBlob).toEqual(binary("blob", Buffer.concat([patternBytes(2000, 6), patternBytes(48, 7)])))
    expect(r.textOnBlobSocket).toEqual({ type: "string", text: "text stays text" })
  })

  it("keeps 200 back-to-back messages in order", () => {
    expect(r.orderedCount).toBe(200)
    expect(r.orderMismatches).toEqual([])
  })

  it("closes cleanly with the client's code echoed (4000 and 1000)", () => {
    expect(r.close4000.code).toBe(4000)
    expect(r.close4000.wasClean).toBe(true)
    expect(r.close1000.code).toBe(1000)
    expect(r.close1000.wasClean).toBe(true)
  })
})

describe("interop: Chromium sees a server-initiated close", () => {
  let closeServer: RunningServer | undefined
  let r: any
  beforeAll(async () => {
    closeServer = await startCloseServer({ readyTimeoutMs: left() })
    r = await browser!.run("server-close", closeServer.url, left())
  }, HOOK_MS)
  afterAll(async () => {
    if (!closeServer) return
    const stopped = await closeServer.stop()
    expect(stopped.forced, closeServer.output()).toBe(false)
  })

  it("gets the server's code and reason in a clean CloseEvent", () => {
    expect(r.before).toEqual({ type: "string", text: "still echoing" })
    expect(r.close).toEqual({ code: SERVER_CLOSE_CODE, reason: SERVER_CLOSE_REASON, wasClean: true })
  })
})
