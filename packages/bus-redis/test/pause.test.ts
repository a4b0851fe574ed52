/**
 * Redis SIGSTOPped while a node publishes continuously: the TCP connection stays up, Redis reads
 * nothing, and without a bound ioredis would write every publish into the socket (hundreds of MiB
 * a second). The transport must refuse past `maxBufferedBytes`, in its own accounting and in the
 * process' memory, and recover after SIGCONT.
 */
import { afterAll, expect, it } from "vitest"
import { openNode, type TestNode } from "./support/node.js"
import { type RedisServer, startRedisServer, waitFor } from "./support/redis-server.js"

let redis: RedisServer | undefined
const nodes: Array<TestNode> = []

afterAll(async () => {
  redis?.resume()
  for (const n of nodes) await n.close()
  await redis?.dispose()
})

const MiB = 1024 * 1024
const BOUND = 1 * MiB
const PAYLOAD = 64 * 1024
const ATTEMPTED = 512 * MiB // 512 times the bound
const tick = () => new Promise<void>((resolve) => setImmediate(resolve))
const inUse = () => {
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss }
}

it("bounds the outgoing buffer while Redis is paused, and recovers on SIGCONT", async () => {
  redis = await startRedisServer()
  const a = await openNode({ url: redis.url, maxBufferedBytes: BOUND })
  const b = await openNode({ url: redis.url })
  nodes.push(a, b)
  b.transport.subscribe("p")
  const payload = new Uint8Array(PAYLOAD).fill(0xa5)
  await waitFor(() => {
    a.transport.publish("p", payload)
    return b.received.length > 0
  }, "b subscribed")
  await waitFor(() => a.transport.stats().bufferedBytes === 0, "warm-up answered")
  const receivedBefore = b.received.length
  const before = inUse()

  redis.pause()
  let attempted = 0,
    accepted = 0,
    refused = 0,
    maxBuffered = 0
  while (attempted * PAYLOAD < ATTEMPTED) {
    for (let i = 0; i < 64; i++, attempted++) {
      if (a.transport.publish("p", payload)) accepted++
      else refused++
      maxBuffered = Math.max(maxBuffered, a.transport.stats().bufferedBytes)
    }
    await tick() // lets ioredis and the socket do their work: publishing continuously, not in one burst
  }
  const during = inUse()
  const growth = { heapMiB: (during.heap - before.heap) / MiB, rssMiB: (during.rss - before.rss) / MiB }

  console.info(
    `pause (SIGSTOP): bound ${BOUND} B, max buffered ${maxBuffered} B, accepted ${accepted} x ${PAYLOAD} B, ` +
      `refused ${refused} (${((refused * PAYLOAD) / MiB).toFixed(0)} MiB); growth heap+arrayBuffers ${growth.heapMiB.toFixed(1)} MiB, ` +
      `rss ${growth.rssMiB.toFixed(1)} MiB`
  )
  expect(a.transport.status()).toBe("up") // TCP is up: a pause is not an outage
  expect(refused).toBeGreaterThan(0)
  expect(maxBuffered).toBeLessThanOrEqual(BOUND)
  expect(accepted * PAYLOAD).toBeLessThanOrEqual(BOUND)
  expect(a.transport.publish("p", payload)).toBe(false)
  // 512 MiB offered; what stays in memory is the bound plus noise.
  expect(growth.heapMiB).toBeLessThan(64)
  expect(growth.rssMiB).toBeLessThan(128)
  expect(a.logs.filter((l) => l.includes("not keeping up"))).toHaveLength(1)

  redis.resume()
  await waitFor(() => a.transport.stats().bufferedBytes === 0, "the paused publishes answered")
  // Nothing accepted during the pause was lost: TCP kept it.
  await waitFor(() => b.received.length === receivedBefore + accepted, `${accepted} paused publishes delivered`)
  expect(a.transport.publish("p", Uint8Array.of(1, 2, 3))).toBe(true)
  await waitFor(() => b.received.at(-1)!.payload.byteLength === 3, "a fresh message delivered")
  expect(a.logs.filter((l) => l.includes("keeping up again"))).toEqual([
    expect.stringContaining(`${refused + 1} publishes dropped meanwhile`)
  ])
})
