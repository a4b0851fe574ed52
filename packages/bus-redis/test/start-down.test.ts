/**
 * Starting while Redis is not there: "fail" gives the typed error at once (and leaves nothing
 * retrying), "local-only" starts down and connects by itself when Redis appears. Plus the layer.
 */
import { Effect } from "effect"
import { Redis } from "ioredis"
import { afterAll, describe, expect, it } from "vitest"
import { RedisTransport, RedisTransportError } from "../src/index.js"
import { openNode, type TestNode } from "./support/node.js"
import { freePort, type RedisServer, startRedisServer, waitFor } from "./support/redis-server.js"

const servers: Array<RedisServer> = []
const nodes: Array<TestNode> = []
const admins: Array<Redis> = []

afterAll(async () => {
  for (const a of admins) a.disconnect()
  for (const n of nodes) await n.close()
  for (const s of servers) await s.dispose()
})

const startError = (url: string, extra: Partial<Parameters<typeof RedisTransport.make>[0]> = {}) =>
  Effect.runPromise(Effect.scoped(Effect.flip(RedisTransport.make({ url, reconnectMaxMs: 100, ...extra }))))

const clients = async (admin: Redis): Promise<Array<string>> =>
  ((await admin.client("LIST")) as string).split("\n").filter((l) => l.includes("name=wspipe-bus"))

describe("start with Redis down", () => {
  it('"fail" gives a RedisTransportError naming the URL and the cause, and stops retrying', async () => {
    const port = await freePort()
    const t0 = Date.now()
    const err = await startError(`redis://:hunter2@127.0.0.1:${port}`)
    const ms = Date.now() - t0
    expect(err).toBeInstanceOf(RedisTransportError)
    expect(err._tag).toBe("RedisTransportError")
    expect(err.reason).toBe("connect")
    expect(err.url).toBe(`redis://:***@127.0.0.1:${port}`)
    expect(err.message).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${port}`)
    expect(err.message).toContain("ECONNREFUSED")
    expect(err.message).not.toContain("hunter2")
    expect((err.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED")

    // Nothing keeps trying: Redis appearing on that port sees no client of ours.
    const redis = await startRedisServer({ port })
    servers.push(redis)
    const admin = new Redis(redis.url)
    admins.push(admin)
    await new Promise((r) => setTimeout(r, 500)) // five times the 100 ms reconnect cap
    expect(await clients(admin)).toEqual([])
    console.info(`start-down: "fail" answered in ${ms} ms: ${err.message}`)
  })

  it("rejects invalid options with reason config", async () => {
    expect(await startError("redis://127.0.0.1:1", { maxBufferedBytes: -1 })).toMatchObject({ reason: "config" })
    expect(await startError("http://127.0.0.1:1")).toMatchObject({ reason: "config" })
    expect(await startError("redis://127.0.0.1:1", { reconnectMinMs: 500, reconnectMaxMs: 100 })).toMatchObject({ reason: "config" })
  })

  it('"local-only" starts down, drops publishes, and connects and subscribes when Redis appears', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const a = await openNode({ url, startWhenDown: "local-only", reconnectMinMs: 20, reconnectMaxMs: 200 })
    nodes.push(a)
    expect(a.transport.status()).toBe("down")
    expect(a.transport.publish("c", Uint8Array.of(1))).toBe(false)
    a.transport.subscribe("c") // remembered while down
    expect(a.transport.stats()).toMatchObject({ published: 0, dropped: 1, bufferedBytes: 0 })

    const appearedAt = Date.now()
    const redis = await startRedisServer({ port })
    servers.push(redis)
    await waitFor(() => a.transport.status() === "up", "a up")
    const connectMs = Date.now() - appearedAt
    const b = await openNode({ url })
    nodes.push(b)
    expect(b.transport.publish("c", Uint8Array.of(7, 8))).toBe(true)
    await waitFor(() => a.received.length === 1, "a got b's message")
    expect([...a.received[0]!.payload]).toEqual([7, 8])
    expect(a.statuses).toEqual(["up"])
    expect(a.transport.stats().reconnects).toBe(0)
    expect(a.logs).toEqual([expect.stringContaining(`connected to ${url}`)])
    console.info(`start-down: "local-only" up ${connectMs} ms after redis-server was started`)
  })
})

describe("RedisTransport.layer", () => {
  it("provides the transport in one line and closes both connections with the layer's scope", async () => {
    const redis = await startRedisServer()
    servers.push(redis)
    const admin = new Redis(redis.url)
    admins.push(admin)
    const program = Effect.gen(function* () {
      const bus = yield* RedisTransport
      expect(bus.status()).toBe("up")
      expect(yield* Effect.promise(() => clients(admin))).toHaveLength(2)
    })
    await Effect.runPromise(program.pipe(Effect.provide(RedisTransport.layer({ url: redis.url }))))
    await waitFor(async () => (await clients(admin)).length === 0, "both connections closed")
  })
})
