/**
 * Interop: the `ws` npm client (an independent, widely used implementation) against the wspipe
 * echo app (apps/echo), over real TCP on 127.0.0.1.
 *
 * Every echo is checked byte for byte and for its kind (text vs binary): a server that truncates,
 * reorders, re-chunks wrongly or turns binary into text fails here, not just one that crashes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startCloseServer, startEchoServer } from "../interop/echo-server.js"
import { CLOSE_TRIGGER, patternBytes, SERVER_CLOSE_CODE, SERVER_CLOSE_REASON } from "../interop/util.js"
import { startWireTap } from "../interop/wire-tap.js"
import { WsClient } from "../interop/ws-client.js"

let server: RunningServer
const clients: WsClient[] = []

async function connect(url = server.url): Promise<WsClient> {
  const c = await WsClient.connect(url)
  clients.push(c)
  return c
}

/** Index of the first differing byte, or -1 when both are equal (lengths included). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}

function expectText(m: { data: Buffer; isBinary: boolean }, text: string): void {
  expect(m.isBinary).toBe(false)
  // Compare bytes too: equal strings could still hide a different UTF-8 encoding on the wire.
  expect(firstDifference(m.data, Buffer.from(text, "utf8")), "first differing byte of the text").toBe(-1)
  expect(m.data.toString("utf8")).toBe(text)
}

function expectBinary(m: { data: Buffer; isBinary: boolean }, bytes: Buffer): void {
  expect(m.isBinary).toBe(true)
  expect(m.data.length).toBe(bytes.length)
  // Every byte, not just the length: one flipped byte must fail the test, and the message says where.
  expect(firstDifference(m.data, bytes), `first differing byte of ${bytes.length}`).toBe(-1)
}

beforeAll(async () => {
  server = await startEchoServer()
})

afterEach(async () => {
  // Dispose first, so one failing test cannot leak its sockets into the next one's check.
  const used = clients.splice(0)
  await Promise.all(used.map((c) => c.dispose()))
  // ws reports protocol violations by the server (bad UTF-8, bad framing) as 'error' events.
  for (const c of used) expect(c.errors.map(String)).toEqual([])
})

afterAll(async () => {
  if (!server) return
  const stopped = await server.stop()
  // The echo app's contract: it exits by itself on SIGTERM (no SIGKILL needed).
  expect(stopped.forced, server.output()).toBe(false)
})

describe("interop: ws client <-> wspipe echo", () => {
  it("agrees to ws's permessage-deflate offer; the echo of a big message comes back compressed", async () => {
    const tap = await startWireTap(server.url)
    try {
      const c = await connect(tap.url)
      expect(c.ws.extensions).toBe("permessage-deflate") // ws names the extensions it accepted
      expect(tap.connections[0]!.extensions).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
      expect(c.ws.protocol).toBe("")
      const big = "compressible ".repeat(1000)
      c.ws.send(big)
      c.ws.send("small")
      expectText(await c.next(), big)
      expectText(await c.next(), "small")
      const frames = tap.connections[0]!.frames
      expect(tap.connections[0]!.violations).toEqual([])
      expect(frames.map((f) => f.compressed)).toEqual([true, false]) // RSV1 from the 1024-byte threshold (RFC 7692 §6)
      expect(frames[0]!.size).toBeLessThan(big.length / 10)
    } finally {
      await tap.close()
    }
  })

  it("echoes text messages as text, across the 7/16/64-bit length boundaries", async () => {
    const c = await connect()
    const texts = [
      "hello",
      "",
      "ünïcödé € 𝄞 😀 — 日本語",
      "a".repeat(125),
      "b".repeat(126),
      "c".repeat(65535),
      "d".repeat(65536),
      "é".repeat(40_000) // 80,000 bytes of 2-byte sequences
    ]
    for (const t of texts) expectText(await c.echo(t), t)
  })

  it("echoes binary messages as binary, byte for byte", async () => {
    const c = await connect()
    const all256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const payloads = [all256, ...[0, 1, 125, 126, 127, 65535, 65536, 65537].map((n) => patternBytes(n, n))]
    for (const p of payloads) expectBinary(await c.echo(p, { binary: true }), p)
  })

  it("reassembles a fragmented text message into one message", async () => {
    const c = await connect()
    await c.send("Hel", { fin: false })
    await c.send("lo, ", { fin: false })
    await c.send("world", { fin: true })
    expectText(await c.next("reassembled text"), "Hello, world")
    // The next message proves the fragments were not also echoed one by one.
    expectText(await c.echo("after"), "after")
  })

  it("accepts UTF-8 code points split across fragments (one byte per frame)", async () => {
    const c = await connect()
    const text = "a€𝄞😀b"
    const bytes = Buffer.from(text, "utf8")
    for (let i = 0; i < bytes.length; i++) {
      await c.send(bytes.subarray(i, i + 1), { binary: false, fin: i === bytes.length - 1 })
    }
    expectText(await c.next("reassembled split UTF-8"), text)
  })

  it("reassembles a fragmented binary message, including an empty final fragment", async () => {
    const c = await connect()
    const whole = patternBytes(64 * 1000, 5)
    for (let i = 0; i < 64; i++) await c.send(whole.subarray(i * 1000, (i + 1) * 1000), { binary: true, fin: false })
    await c.send(Buffer.alloc(0), { binary: true, fin: true })
    expectBinary(await c.next("reassembled binary"), whole)
  })

  it("answers a ping sent between the fragments of a message", async () => {
    const c = await connect()
    await c.send("first half ", { fin: false })
    c.ws.ping(Buffer.from("mid-message"))
    await c.send("second half", { fin: true })
    expect((await c.nextPong("pong for mid-message ping")).toString()).toBe("mid-message")
    expectText(await c.next("message around the ping"), "first half second half")
  })

  it("echoes large messages (1 MiB and 4 MiB binary, 2 MiB text, 4 MiB in 16 fragments)", async () => {
    const c = await connect()
    const oneMiB = patternBytes(1 << 20, 1)
    expectBinary(await c.echo(oneMiB, { binary: true }), oneMiB)
    const fourMiB = patternBytes(4 << 20, 4)
    expectBinary(await c.echo(fourMiB, { binary: true }), fourMiB)
    const text = "€uro-ascii-mix ".repeat(Math.ceil((2 << 20) / 17)) // ~2 MiB of UTF-8, 3-byte chars inside
    expectText(await c.echo(text), text)
    const fragmented = patternBytes(4 << 20, 9)
    const part = 256 * 1024
    for (let off = 0; off < fragmented.length; off += part) {
      await c.send(fragmented.subarray(off, off + part), { binary: true, fin: off + part >= fragmented.length })
    }
    expectBinary(await c.next("4 MiB fragmented echo"), fragmented)
  }, 30_000)

  it("answers pings with pongs carrying the same payload (empty, 125 bytes, several in a row)", async () => {
    const c = await connect()
    c.ws.ping(Buffer.alloc(0))
    expect((await c.nextPong("empty pong")).length).toBe(0)
    const max = patternBytes(125, 3) // the largest control-frame payload RFC 6455 §5.5 allows
    c.ws.ping(max)
    expect((await c.nextPong("125-byte pong")).equals(max)).toBe(true)
    for (const p of ["one", "two", "three"]) c.ws.ping(Buffer.from(p))
    const got = [await c.nextPong(), await c.nextPong(), await c.nextPong()].map(String)
    expect(got).toEqual(["one", "two", "three"])
    // The connection is still usable for data afterwards.
    expectText(await c.echo("still alive"), "still alive")
  })

  it("keeps 2000 pipelined messages in order, text and binary interleaved", async () => {
    const c = await connect()
    const n = 2000
    const expected: Array<string | Buffer> = []
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) expected.push(`msg-${i}`)
      else {
        const b = patternBytes(8 + (i % 300), i)
        b.writeUInt32BE(i, 0)
        expected.push(b)
      }
    }
    // Send everything without waiting for echoes: the server must keep order under backlog.
    for (const e of expected) c.ws.send(e, { binary: typeof e !== "string", compress: false })
    for (let i = 0; i < n; i++) {
      const m = await c.next(`pipelined message ${i}`)
      const e = expected[i]!
      if (typeof e === "string") expectText(m, e)
      else expectBinary(m, e)
    }
  }, 30_000)

  it("keeps 16 concurrent connections apart (no cross-talk, each in order)", async () => {
    const cs = await Promise.all(Array.from({ length: 16 }, () => connect()))
    await Promise.all(
      cs.map(async (c, k) => {
        for (let i = 0; i < 100; i++) c.ws.send(`client-${k}-msg-${i}`, { compress: false })
        for (let i = 0; i < 100; i++) expectText(await c.next(`client ${k} message ${i}`), `client-${k}-msg-${i}`)
      })
    )
  }, 30_000)

  it("echoes the client's close code 4000 and closes cleanly", async () => {
    const c = await connect()
    c.ws.close(4000, "bye")
    const closed = await c.waitClosed("close handshake after 4000")
    expect(closed.code).toBe(4000)
    expect(closed.wasClean).toBe(true)
  })

  it("echoes close code 1000 and closes cleanly", async () => {
    const c = await connect()
    expectText(await c.echo("before close"), "before close")
    c.ws.close(1000, "done")
    const closed = await c.waitClosed("close handshake after 1000")
    expect(closed.code).toBe(1000)
    expect(closed.wasClean).toBe(true)
  })

  it("answers a close frame without a status code", async () => {
    const c = await connect()
    c.ws.close() // empty close payload
    const closed = await c.waitClosed("close handshake after empty close")
    // wspipe echoes the empty body (RFC 6455 §5.5.1 "typically echos the status code it
    // received": here, none), which the client reports as 1005, "no status code was present".
    expect(closed.code).toBe(1005)
    expect(closed.wasClean).toBe(true)
  })
})

describe("interop: ws client sees a server-initiated close", () => {
  let closeServer: RunningServer | undefined
  beforeAll(async () => {
    closeServer = await startCloseServer()
  })
  afterAll(async () => {
    if (!closeServer) return
    const stopped = await closeServer.stop()
    expect(stopped.forced, closeServer.output()).toBe(false)
  })

  it("receives the server's close code and reason, and the handshake completes cleanly", async () => {
    const c = await connect(closeServer!.url)
    expectText(await c.echo("still echoing"), "still echoing")
    await c.send(CLOSE_TRIGGER)
    const closed = await c.waitClosed("server-initiated close")
    expect(closed).toEqual({ code: SERVER_CLOSE_CODE, reason: SERVER_CLOSE_REASON, wasClean: true })
  })

  it("closes only the connection that asked; another one keeps echoing", async () => {
    const [doomed, other] = await Promise.all([connect(closeServer!.url), connect(closeServer!.url)])
    await doomed.send(CLOSE_TRIGGER)
    expect((await doomed.waitClosed("server-initiated close")).code).toBe(SERVER_CLOSE_CODE)
    expectText(await other.echo("unaffected"), "unaffected")
  })
})
