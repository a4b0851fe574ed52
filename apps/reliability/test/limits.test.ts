/**
 * Size limits, connection limit and queue capacities over real sockets
 * (docs/limits.md): each with its documented default, configured small here.
 */
import { Server } from "@wspipe/server"
import { defaults, resolveOptions } from "@wspipe/server/internal"

const { ConfigError } = Server
import { afterEach, describe, expect, it } from "vitest"
import { upgradeRequest } from "@wspipe/test-frames"
import { Client, gapFreePrefix, seqOf } from "./support/client.js"
import { recordingEcho } from "./support/handlers.js"
import { startServer, stopAll } from "./support/server.js"
import { waitFor, within } from "./support/wait.js"
import { rawConnect } from "./support/raw.js"

afterEach(stopAll)

const MiB = 1024 * 1024

describe("limits", () => {
  it("documented defaults", () => {
    expect(defaults.maxMessageSize).toBe(16 * MiB)
    expect(defaults.maxFrameSize).toBe(16 * MiB)
    expect(defaults.maxHeadSize).toBe(16 * 1024)
    expect(defaults.handshakeTimeoutMs).toBe(10_000)
    expect(defaults.idleTimeoutMs).toBe(60_000)
    expect(defaults.maxConnections).toBe(100_000)
    expect(defaults.receiverQueueCapacity).toBe(1024)
    expect(defaults.handlerQueueCapacity).toBe(4096)
    expect(defaults.senderQueueCapacity).toBe(4096)
    expect(defaults.maxInflightBytes).toBe(256 * 1024)
    expect(defaults.closeTimeoutMs).toBe(5_000)
    expect(defaults.shutdownTimeoutMs).toBe(5_000)
  })

  it("maxMessageSize: exactly the limit passes; one byte more (in fragments) is 1009; the server stays alive", async () => {
    const { url } = await startServer(recordingEcho().handler, { maxMessageSize: 4000, maxFrameSize: 1000 })
    const bystander = await Client.open(url)
    const ok = await Client.open(url)
    for (let i = 0; i < 4; i++) ok.ws.send(Buffer.alloc(1000, 7), { fin: i === 3 })
    await ok.waitCount(1)
    expect(ok.messages[0]!.byteLength).toBe(4000)

    const big = await Client.open(url)
    for (let i = 0; i < 4; i++) big.ws.send(Buffer.alloc(1000, 7), { fin: false })
    big.ws.send(Buffer.alloc(1, 7), { fin: true })
    expect(await big.waitClosed()).toBe(1009)
    expect(big.messages).toHaveLength(0)
    // Only that connection: the others and new ones are served.
    expect(await bystander.request("still here")).toBe("still here")
    expect(await ok.request("me too")).toBe("me too")
    expect(await (await Client.open(url)).request("new")).toBe("new")
  })

  it("maxFrameSize: one frame over it is 1009 even when the message is within maxMessageSize", async () => {
    // Uncompressed: maxFrameSize bounds frames on the wire, and 1001 equal bytes would deflate to a dozen.
    const { url } = await startServer(recordingEcho().handler, { maxMessageSize: 4000, maxFrameSize: 1000, perMessageDeflate: false })
    const fragments = await Client.open(url)
    for (let i = 0; i < 3; i++) fragments.ws.send(Buffer.alloc(1000, 1), { fin: i === 2 })
    await fragments.waitCount(1)
    expect(fragments.messages[0]!.byteLength).toBe(3000)
    const big = await Client.open(url)
    big.send(Buffer.alloc(1001, 1))
    expect(await big.waitClosed()).toBe(1009)
    expect(await fragments.request("alive")).toBe("alive")
  })

  it("maxHeadSize: a larger request head gets 431 and the socket is closed; a smaller one is upgraded", async () => {
    const { port } = await startServer(recordingEcho().handler, { maxHeadSize: 1024 })
    const big = await rawConnect(port, upgradeRequest({ headers: { "X-Padding": "a".repeat(2000) } }))
    await within(big.ended, 5_000, "the server to close the socket (FIN) after 431")
    expect(big.head).toMatch(/^HTTP\/1\.1 431 /)
    const small = await rawConnect(port, upgradeRequest({ headers: { "X-Padding": "a".repeat(600) } }))
    await waitFor(() => small.head !== "", 5_000, "the 101")
    expect(small.head).toMatch(/^HTTP\/1\.1 101 /)
    small.socket.destroy()
  })

  it("maxConnections: one more is refused at the handshake with 503 and Retry-After; a freed slot is reused", async () => {
    const { url, port, server } = await startServer(recordingEcho().handler, { maxConnections: 2 })
    const a = await Client.open(url)
    const b = await Client.open(url)
    const third = await rawConnect(port, upgradeRequest())
    await within(third.ended, 5_000, "the server to close the refused socket (FIN)")
    expect(third.head).toMatch(/^HTTP\/1\.1 503 /)
    expect(third.head).toMatch(/\r\nRetry-After: \d+\r\n/i)
    expect(server.connections()).toBe(2)
    expect(await a.request("a")).toBe("a")
    b.ws.close()
    await waitFor(() => server.connections() === 1, 5_000, "the slot to be freed")
    expect(await (await Client.open(url)).request("c")).toBe("c")
  })

  it("queue capacities are options; with every queue at capacity 1 the pipeline is still correct under load", async () => {
    expect(resolveOptions({ receiverQueueCapacity: 0 })).toBeInstanceOf(ConfigError)
    expect(resolveOptions({ handlerQueueCapacity: 0 })).toBeInstanceOf(ConfigError)
    const { url, server } = await startServer(recordingEcho().handler, {
      receiverQueueCapacity: 1,
      handlerQueueCapacity: 1,
      senderQueueCapacity: 1,
      maxInflightBytes: 1024
    })
    const clients = await Promise.all(Array.from({ length: 8 }, () => Client.open(url)))
    // Watch the queues while the load runs: a capacity that is not applied shows up as depth > 1.
    let maxDepth = 0
    let watching = true
    const watch = () => {
      const d = server.depths()
      maxDepth = Math.max(maxDepth, d.receiver, d.handler, d.sender)
      if (watching) setImmediate(watch)
    }
    watch()
    const N = 2000
    for (const c of clients) for (let i = 0; i < N; i++) c.send(`${i} ${"p".repeat(100)}`)
    await Promise.all(clients.map((c) => c.waitCount(N, 30_000)))
    watching = false
    for (const c of clients) {
      expect(gapFreePrefix(c.messages.map(seqOf))).toBeUndefined()
      expect(c.closeCode).toBeUndefined()
    }
    expect(maxDepth).toBeLessThanOrEqual(1)
  }, 60_000)
})
