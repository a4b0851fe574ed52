/**
 * wspipe servers joined through a real redis-server (started by the test on a free port, no
 * persistence): the three routings, topics, unicast and close to another node's connection, order
 * across three nodes, and the faults — Redis killed mid-stream (every node keeps delivering to its
 * own clients, what cannot cross is counted, the bus comes back by itself and nothing arrives
 * twice) and Redis paused with SIGSTOP (memory bounded, local delivery goes on).
 */
import { Server } from "@wspipe/server"
import { Effect, Exit, Scope } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { busNode } from "../../server/test/support/bus-node.js"
import { RedisTransport } from "../src/index.js"
import { type RedisServer, startRedisServer, waitFor } from "./support/redis-server.js"

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

/** One wspipe node: a server on a free port, on the bus through `redisUrl`. */
const startNode = async (redisUrl: string, nodeId: string) => {
  const scope = Effect.runSync(Scope.make())
  const { server, transport } = await Effect.runPromise(
    Effect.gen(function* () {
      const transport = yield* RedisTransport.make({ url: redisUrl, reconnectMinMs: 20, reconnectMaxMs: 200, log: () => {} })
      const server = yield* Server.listen(busNode, { port: 0, bus: { transport, nodeId } })
      return { server, transport }
    }).pipe(Scope.provide(scope))
  )
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  cleanups.push(close)
  return { url: server.url!, transport, close }
}

/** A `ws` client that keeps what it receives, told its address on open. */
const client = async (url: string, options: { readonly keep?: boolean } = {}) => {
  const ws = new WebSocket(url)
  const received: Array<string> = []
  let count = 0
  ws.on("message", (data) => {
    count++
    // A flood's messages are only counted: the test's own memory is not what is measured.
    if (options.keep !== false || received.length === 0) received.push(String(data))
  })
  let closed: { code: number; reason: string } | undefined
  ws.on("close", (code, reason) => (closed = { code, reason: String(reason) }))
  await new Promise((resolve, reject) => {
    ws.once("open", resolve)
    ws.once("error", reject)
  })
  cleanups.push(async () => void ws.terminate())
  await waitFor(() => received.length > 0, "the address")
  const address = received.shift()!.slice(3)
  let read = 0
  const next = async (): Promise<string> => {
    await waitFor(() => received.length > read, `a message on ${address}`)
    return received[read++]!
  }
  return { ws, address, received, next, closed: () => closed, unread: () => received.length - read, count: () => count }
}

/**
 * After `sub <topic>` from `c`: its handler has run (the "synced" reply), and Redis counts
 * `subscribers` on the topic's channel. The bus subscribes on its next turn and Redis confirms
 * asynchronously; a publish before Redis has the SUBSCRIBE reaches no one (pub/sub is at most
 * once), so waiting a fixed time would be a race on a loaded machine.
 */
const subscribed = async (c: Awaited<ReturnType<typeof client>>, redisUrl: string, topic: string, subscribers: number) => {
  c.ws.send("sync")
  expect(await c.next()).toBe("synced")
  const admin = new Redis(redisUrl)
  try {
    const count = async () => Number(((await admin.pubsub("NUMSUB", `wspipe:topic:${topic}`)) as Array<string | number>)[1])
    await waitFor(async () => (await count()) >= subscribers, `${subscribers} subscriber(s) of ${topic} in Redis`)
  } finally {
    admin.disconnect()
  }
}

describe("cross-node routing through redis-server", () => {
  let redis: RedisServer

  beforeAll(async () => {
    redis = await startRedisServer()
    cleanups.push(() => redis.dispose())
  })

  it("broadcast, broadcast-all, topics, unicast and close across two nodes", async () => {
    const [a, b] = [await startNode(redis.url, "a"), await startNode(redis.url, "b")]
    const a1 = await client(a.url)
    const a2 = await client(a.url)
    const b1 = await client(b.url)
    await waitFor(() => a.transport.status() === "up" && b.transport.status() === "up", "both buses up")

    a1.ws.send("bcast hello")
    expect([await a2.next(), await b1.next()]).toEqual(["hello", "hello"])
    b1.ws.send("all everyone")
    expect([await a1.next(), await a2.next(), await b1.next()]).toEqual(["everyone", "everyone", "everyone"])

    b1.ws.send("sub room")
    await subscribed(b1, redis.url, "room", 1)
    a1.ws.send("pub room for the room")
    expect(await b1.next()).toBe("for the room")

    a1.ws.send(`to ${b1.address} just you`)
    expect(await b1.next()).toBe("just you")
    a1.ws.send(`close ${b1.address}`)
    await waitFor(() => b1.closed() !== undefined, "b1 closed")
    expect(b1.closed()).toEqual({ code: 4000, reason: "from afar" })
    expect(a1.unread() + a2.unread()).toBe(0)
  })

  it("one sender to one topic: every subscriber on three nodes gets every message in send order", async () => {
    const nodes = [await startNode(redis.url, "o1"), await startNode(redis.url, "o2"), await startNode(redis.url, "o3")]
    const subscribers = await Promise.all(nodes.map((n) => client(n.url)))
    for (const [i, s] of subscribers.entries()) {
      s.ws.send("sub seq")
      await subscribed(s, redis.url, "seq", i + 1)
    }
    const source = await client(nodes[0]!.url)
    // Until every node's subscription is in effect (Redis confirms it asynchronously), probe.
    await waitFor(
      () => {
        source.ws.send("pub seq probe")
        return subscribers.every((s) => s.received.includes("probe"))
      },
      "every subscriber to hear the topic",
      15_000,
      20
    )
    for (const s of subscribers) {
      s.ws.send("sync")
      await waitFor(() => s.received.includes("synced"), "the probes to drain")
    }
    await new Promise((r) => setTimeout(r, 100))
    for (const s of subscribers) s.received.length = 0
    for (let i = 0; i < 500; i++) source.ws.send(`pub seq ${i}`)
    for (const s of subscribers) {
      await waitFor(() => s.received.length >= 500, "500 messages")
      expect(s.received.filter((m) => m !== "probe")).toEqual(Array.from({ length: 500 }, (_, i) => String(i)))
    }
  })

  it("Redis dies mid-stream: local delivery goes on, what cannot cross is counted; it comes back by itself, nothing twice", async () => {
    const [a, b] = [await startNode(redis.url, "k1"), await startNode(redis.url, "k2")]
    const a1 = await client(a.url)
    const a2 = await client(a.url)
    const b1 = await client(b.url)
    await waitFor(() => a.transport.status() === "up" && b.transport.status() === "up", "both buses up")
    a1.ws.send("all before")
    expect([await a2.next(), await b1.next()]).toEqual(["before", "before"])
    await a1.next()

    await redis.stop()
    await waitFor(() => a.transport.status() === "down", "the bus to notice")
    const droppedBefore = a.transport.stats().dropped
    for (let i = 0; i < 20; i++) a1.ws.send(`all local ${i}`)
    for (let i = 0; i < 20; i++) expect(await a2.next()).toBe(`local ${i}`) // this node's clients still get everything
    expect(a.transport.stats().dropped - droppedBefore).toBe(20) // counted, not queued

    await redis.restart()
    await waitFor(() => a.transport.status() === "up" && b.transport.status() === "up", "both buses back up", 20_000)
    a1.ws.send("all after")
    expect(await b1.next()).toBe("after") // nothing from the outage, nothing twice
    expect(b1.unread()).toBe(0)
  }, 60_000)

  it("Redis paused (SIGSTOP): a flood of broadcasts keeps memory bounded; local delivery goes on; SIGCONT recovers", async () => {
    const [a, b] = [await startNode(redis.url, "p1"), await startNode(redis.url, "p2")]
    const a1 = await client(a.url)
    const a2 = await client(a.url, { keep: false })
    const b1 = await client(b.url)
    await waitFor(() => a.transport.status() === "up" && b.transport.status() === "up", "both buses up")
    redis.pause()
    try {
      const big = "x".repeat(32 * 1024)
      if (global.gc === undefined) throw new Error("run with --expose-gc (vitest.config.ts execArgv)")
      global.gc()
      const before = process.memoryUsage()
      // 64 MiB of broadcasts while Redis reads nothing: at most maxBufferedBytes (8 MiB) may wait for it.
      for (let i = 0; i < 2048; i++) a1.ws.send(`bcast ${i} ${big}`)
      await waitFor(() => a2.count() >= 2048, "every broadcast delivered locally", 60_000)
      // Collect what the flood left behind (frames written and read); what stays is what is kept.
      global.gc?.()
      await new Promise((r) => setTimeout(r, 50))
      global.gc?.()
      const after = process.memoryUsage()
      expect(a.transport.stats().bufferedBytes).toBeLessThanOrEqual(8 * 1024 * 1024)
      expect(a.transport.stats().dropped).toBeGreaterThan(0)
      // The clients' own buffers and frames come and go; what must not happen is 64 MiB kept for Redis.
      expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(48 * 1024 * 1024)
    } finally {
      redis.resume()
    }
    await waitFor(() => a.transport.stats().bufferedBytes === 0, "the buffer to drain after SIGCONT", 30_000)
    b1.received.length = 0
    a1.ws.send("all recovered")
    await waitFor(() => b1.received.includes("recovered"), "cross-node delivery again")
  }, 120_000)
})
