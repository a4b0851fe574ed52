// Sanity test of the load generator's permessage-deflate (loadgen/pmd.c, --json --deflate): it
// negotiates, sends RSV1 compressed frames that inflate to its JSON messages, inflates the server's
// (with and without context takeover), stays plain when the server declines, and fails the run when
// a compressed message does not inflate, or inflates to other bytes than were sent. Without this, a
// broken inflater would show up as a wrong benchmark figure instead of a failed run.
import { createServer, type Server as NetServer, type Socket } from "node:net"
import { createHash } from "node:crypto"
import { constants, inflateRawSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocketServer } from "ws"
import { buildC } from "../src/build.js"
import { type LoadgenResult, runLoadgen } from "../src/loadgen.js"
import { killAllChildren, type RunningServer, serverSpecs, startServer } from "../src/servers.js"

let loadgen = ""
const closers: Array<() => Promise<unknown>> = []

beforeAll(() => {
  loadgen = buildC().loadgen
})
afterAll(async () => {
  await Promise.all(closers.map((close) => close()))
  killAllChildren()
})

async function child(id: "ws" | "ws-deflate", job: "echo" | "broadcast"): Promise<number> {
  const spec = serverSpecs("").find((s) => s.id === id)!
  const server: RunningServer = await startServer(spec, job, null, { timeoutMs: 10_000 })
  closers.push(() => server.stop())
  return server.port
}

/** An in-process ws echo server with these perMessageDeflate options; `alter` changes what it echoes. */
async function wsEcho(perMessageDeflate: object, alter: (b: Buffer) => Buffer = (b) => b): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate })
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(alter(Buffer.from(data as Buffer)), { binary: isBinary })))
  await new Promise((resolve) => wss.once("listening", resolve))
  closers.push(() => new Promise((resolve) => wss.close(resolve)))
  return (wss.address() as { port: number }).port
}

const run = (port: number, args: string[]) =>
  runLoadgen(loadgen, null, [args[0]!, "--port", String(port), "--seconds", "0.6", "--threads", "1", ...args.slice(1)], {
    timeoutMs: 15_000
  })

async function ok(port: number, args: string[]): Promise<LoadgenResult> {
  const { result, exitCode, stderr } = await run(port, args)
  expect(result, stderr).not.toBeNull()
  expect(result!.error, stderr).toBeNull()
  expect(exitCode).toBe(0)
  expect(result!.errors).toBe(0)
  expect(result!.missed).toBe(0)
  return result!
}

const json1k = ["-s", "1024", "--json", "--deflate"]

describe("load generator --json --deflate against ws with perMessageDeflate", () => {
  it("echo: every connection agrees, both directions compress, every echo is the JSON sent", async () => {
    const r = await ok(await child("ws-deflate", "echo"), ["echo", "-c", "4", "-d", "2", ...json1k])
    const d = r.deflate!
    expect(d.agreed).toBe(4)
    expect(d.declined).toBe(0)
    expect(r.messages).toBeGreaterThan(0)
    expect(r.latency_us!.samples).toBe(r.messages) // every counted echo was compared with its message
    expect(d.sent.ratio).toBeGreaterThan(1.5) // JSON compresses: these were RSV1 frames of deflate data
    expect(d.received.compressed).toBe(d.received.messages)
    expect(d.received.ratio).toBeGreaterThan(1.5)
    expect(d.received.inflated).toBe(d.received.compressed) // takeover: no reuse of inflated copies
  })

  it("broadcast: every receiver inflates every message", async () => {
    const r = await ok(await child("ws-deflate", "broadcast"), ["broadcast", "-c", "10", "--inflight", "4", ...json1k])
    expect(r.deflate!.agreed).toBe(11) // the receivers and the sender
    expect(r.messages).toBeGreaterThan(0)
    expect(r.latency_us!.samples).toBe(r.messages)
    expect(r.deflate!.received.compressed).toBeGreaterThan(0)
  })

  it("idle: each connection counts as held once its compressed message came back", async () => {
    const r = await ok(await child("ws-deflate", "echo"), ["idle", "-c", "50", ...json1k])
    expect(r.connections_held).toBe(50)
    expect(r.deflate!.received.compressed).toBe(50)
  })

  it("no context takeover: precompressed pool out, equal messages inflated once and reused", async () => {
    const port = await wsEcho({ serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 0 })
    const r = await ok(port, ["echo", "-c", "4", "-d", "2", ...json1k])
    const d = r.deflate!
    expect(d.agreed).toBe(4)
    expect(d.client_takeover).toBe(false)
    expect(d.server_takeover).toBe(false)
    expect(d.received.compressed).toBe(d.received.messages)
    expect(d.received.inflated + d.received.reused).toBe(d.received.compressed)
  })

  it("a server that declines: the connections stay plain, and the run says so", async () => {
    const r = await ok(await child("ws", "echo"), ["echo", "-c", "2", "-d", "1", ...json1k])
    expect(r.deflate!.agreed).toBe(0)
    expect(r.deflate!.declined).toBe(2)
    expect(r.deflate!.sent.ratio).toBe(1)
    expect(r.deflate!.received.compressed).toBe(0)
  })

  it("an echo that inflates to other bytes fails the run", async () => {
    const port = await wsEcho({ threshold: 0 }, (b) => {
      b[b.length - 2] ^= 1 // one byte inside the JSON, compressed by ws as usual
      return b
    })
    const { result, exitCode } = await run(port, ["echo", "-c", "1", "-d", "1", ...json1k])
    expect(exitCode).toBe(1)
    expect(result!.error).toMatch(/echo mismatch on connection 0/)
  })
})

/**
 * A raw server that agrees to permessage-deflate, records the first frame it gets, and answers it
 * with an RSV1 text frame whose payload is not deflate data (block type 11 is reserved).
 */
function rawDeflateServer(): Promise<{ port: number; first: Promise<{ head: number; payload: Buffer }> }> {
  let gotFirst: (f: { head: number; payload: Buffer }) => void = () => {}
  const first = new Promise<{ head: number; payload: Buffer }>((resolve) => (gotFirst = resolve))
  const server: NetServer = createServer((sock: Socket) => {
    let buf = Buffer.alloc(0)
    let open = false
    sock.on("error", () => {})
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk])
      if (!open) {
        const end = buf.indexOf("\r\n\r\n")
        if (end < 0) return
        const key = /sec-websocket-key: *(\S+)/i.exec(buf.subarray(0, end).toString())![1]!
        const accept = createHash("sha1")
          .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
          .digest("base64")
        sock.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n` +
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n\r\n"
        )
        buf = buf.subarray(end + 4)
        open = true
      }
      // One masked client frame with a 16-bit length (a 1 KiB JSON message compresses to less).
      if (buf.length < 2) return
      let len = buf[1]! & 0x7f
      let at = 2
      if (len === 126) {
        if (buf.length < 4) return
        len = buf.readUInt16BE(2)
        at = 4
      }
      if (buf.length < at + 4 + len) return
      const mask = buf.subarray(at, at + 4)
      const payload = Buffer.from(buf.subarray(at + 4, at + 4 + len).map((b, i) => b ^ mask[i % 4]!))
      gotFirst({ head: buf[0]!, payload })
      buf = buf.subarray(at + 4 + len)
      sock.write(Buffer.from([0xc1, 3, 0xff, 0xff, 0xff])) // FIN + RSV1 + text, garbage
    })
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      closers.push(() => new Promise((r) => server.close(r)))
      resolve({ port: (server.address() as { port: number }).port, first })
    })
  )
}

describe("load generator --deflate against a raw server", () => {
  it("sends RSV1 frames of raw deflate data, and fails the run on a message that does not inflate", async () => {
    const raw = await rawDeflateServer()
    const { result, exitCode } = await run(raw.port, ["echo", "-c", "1", "-d", "1", ...json1k])
    const { head, payload } = await raw.first
    expect(head).toBe(0xc1) // FIN, RSV1 (compressed), text
    // RFC 7692 §7.2.2: the tail put back; the stream has no final block, so no Z_FINISH.
    const plain = inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH })
    expect(plain.length).toBe(1024)
    expect(() => JSON.parse(plain.toString())).not.toThrow()
    expect(exitCode).toBe(1)
    expect(result!.error).toMatch(/sent a compressed message that does not inflate: invalid block type/)
  })
})
