/**
 * Interop with the `ws` package's permessage-deflate: a real `ws` client (perMessageDeflate on)
 * against a tiny `node:net` echo server built from the codec (handshake, negotiation, frame
 * parser and encoder) and this engine; and ws's own `PerMessageDeflate` on the raw bytes.
 */
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { PermessageDeflate } from "@wspipe/codec"
import { afterEach, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { DeflateEngine } from "../../src/deflate/index.js"
import { echoServer, type Echo } from "./echo-server.js"

/** Sends each message with a `ws` client and collects the echoes (as strings / byte lengths). */
const roundTrip = async (
  port: number,
  perMessageDeflate: WebSocket.PerMessageDeflateOptions | boolean,
  messages: Array<string | Buffer>
) => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate })
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject))
  const got: Array<string | Buffer> = []
  const done = new Promise<void>((resolve) =>
    ws.on("message", (data: Buffer, isBinary) => {
      got.push(isBinary ? data : data.toString())
      if (got.length === messages.length) resolve()
    })
  )
  for (const m of messages) ws.send(m, { binary: typeof m !== "string" })
  await done
  const extensions = ws.extensions
  ws.close()
  return { got, extensions }
}

const servers: Array<Echo> = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})
const json = (i: number) => JSON.stringify({ type: "message", room: "general", seq: i, text: "hello from ws ".repeat(80) })

describe("a real ws client", () => {
  it("default options: no context takeover both ways, every message round-trips compressed", async () => {
    const echo = await echoServer({ threshold: 0 })
    servers.push(echo)
    const messages = [json(1), json(2), Buffer.alloc(3000, 7), json(3), ""]
    const { got, extensions } = await roundTrip(echo.port, { threshold: 0 }, messages)
    expect(echo.answers[0]).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    expect(extensions).toContain("permessage-deflate")
    expect(got).toEqual(messages)
    expect(echo.rsv.every((r) => r === 0x40)).toBe(true) // the client compressed them all
  })

  it("context takeover both ways, with window limits", async () => {
    const echo = await echoServer({ serverNoContextTakeover: false, clientNoContextTakeover: false, threshold: 0 })
    servers.push(echo)
    const messages = Array.from({ length: 10 }, (_, i) => json(i))
    const { got } = await roundTrip(echo.port, { threshold: 0, serverMaxWindowBits: 10, clientMaxWindowBits: 9 }, messages)
    expect(echo.answers[0]).toBe("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9")
    expect(got).toEqual(messages)
  })

  it("a big message both ways (the sliced paths)", async () => {
    const echo = await echoServer({ threshold: 0 })
    servers.push(echo)
    const big = Buffer.from(JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ i, v: (i * 7919) % 10007 }))))
    expect(big.length).toBeGreaterThan(512 * 1024)
    const { got } = await roundTrip(echo.port, { threshold: 0 }, [big, json(1)])
    expect(Buffer.compare(got[0] as Buffer, big)).toBe(0)
    expect(got[1]).toBe(json(1))
  })

  it("below the threshold the server answers uncompressed, and ws reads it", async () => {
    const echo = await echoServer({ threshold: 1 << 20 })
    servers.push(echo)
    const { got } = await roundTrip(echo.port, { threshold: 0 }, [json(1)])
    expect(got).toEqual([json(1)])
  })
})

describe("ws's PerMessageDeflate on the raw bytes", () => {
  const require = createRequire(import.meta.url)
  // Not in ws's "exports": loaded by path, beside its entry point.
  const PerMessageDeflate = require(join(dirname(require.resolve("ws")), "lib", "permessage-deflate.js")) as new (
    o: object
  ) => {
    accept(c: Array<Record<string, Array<string | true>>>): unknown
    compress(d: Buffer, fin: boolean, cb: (e: Error | null, r?: Buffer) => void): void
    decompress(d: Buffer, fin: boolean, cb: (e: Error | null, r?: Buffer) => void): void
    cleanup(): void
  }
  const call = (f: (cb: (e: Error | null, r?: Buffer) => void) => void) =>
    new Promise<Buffer>((resolve, reject) => f((e, r) => (e ? reject(e) : resolve(r!))))

  it("decompresses what we compress and the other way round, with takeover", async () => {
    const client = new PerMessageDeflate({ threshold: 0 })
    client.accept([{}]) // the response "permessage-deflate": takeover both ways
    const engine = new DeflateEngine()
    const a = PermessageDeflate.negotiate([{ name: "permessage-deflate", params: [] }], {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      threshold: 0
    })!
    const tx = engine.deflater(a, () => {})
    const rx = engine.inflater(a.inflate, { maxMessageSize: 1 << 20 }, () => {})
    for (let i = 0; i < 5; i++) {
      const m = Buffer.from(json(i))
      const ours = tx.compress(m, 0) as Uint8Array
      expect(Buffer.compare(await call((cb) => client.decompress(Buffer.from(ours), true, cb)), m)).toBe(0)
      const theirs = await call((cb) => client.compress(m, true, cb))
      expect(Buffer.compare(Buffer.from(rx.message("text", theirs) as Uint8Array), m)).toBe(0)
    }
    client.cleanup()
    tx.close()
    rx.close()
  })
})
