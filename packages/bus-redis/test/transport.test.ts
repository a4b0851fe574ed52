/**
 * Two transports ("nodes") on one private Redis: binary-safe round trips, subscribe/unsubscribe,
 * order of many messages.
 */
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BusWire } from "@wspipe/server/internal"

const { decode, encode, WireError } = BusWire
import { openNode, seqOf, seqPayload, type TestNode } from "./support/node.js"
import { type RedisServer, startRedisServer, waitFor } from "./support/redis-server.js"

let redis: RedisServer
let a: TestNode
let b: TestNode
let admin: Redis

beforeAll(async () => {
  redis = await startRedisServer()
  a = await openNode({ url: redis.url })
  b = await openNode({ url: redis.url })
  admin = new Redis(redis.url)
})

afterAll(async () => {
  admin?.disconnect()
  await a?.close()
  await b?.close()
  await redis?.dispose()
})

const numsub = async (channel: string): Promise<number> => {
  const reply = (await admin.pubsub("NUMSUB", channel)) as Array<string | number>
  return Number(reply[1])
}

describe("RedisTransport on a real redis-server", () => {
  it("starts up with zeroed counters", () => {
    expect(a.transport.status()).toBe("up")
    expect(b.transport.stats()).toEqual({ published: 0, received: 0, dropped: 0, reconnects: 0, bufferedBytes: 0 })
    expect(a.logs).toEqual([expect.stringContaining("connected to redis://127.0.0.1:")])
  })

  it("carries every byte value, empty and 1 MiB payloads both ways, channel names in UTF-8", async () => {
    const channel = "wspipe:ü:🚀:\t:end"
    a.transport.subscribe(channel)
    b.transport.subscribe(channel)
    await waitFor(async () => (await numsub(channel)) === 2, "both subscribed")
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const invalidUtf8 = Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0d, 0x0a])
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31 + 7) & 0xff)
    const sliced = big.subarray(1000, 1100) // a view with a non-zero byteOffset
    const sent = [all, invalidUtf8, new Uint8Array(0), big, sliced]
    for (const p of sent) expect(a.transport.publish(channel, p)).toBe(true)
    // Two publishers' messages have no order between them: b answers once a's five are in.
    await waitFor(() => b.received.length === 5, "a's 5 messages on b")
    expect(b.transport.publish(channel, all)).toBe(true)
    await waitFor(() => b.received.length === 6 && a.received.length === 6, "6 messages on each node")
    expect(b.received.map((m) => m.channel)).toEqual(Array(6).fill(channel))
    sent.forEach((p, i) => {
      expect(Buffer.from(b.received[i]!.payload).equals(Buffer.from(p))).toBe(true)
    })
    expect([...b.received[5]!.payload]).toEqual([...all])
    // The publisher hears itself too (the bus filters by node id).
    expect(Buffer.from(a.received[3]!.payload).equals(Buffer.from(big))).toBe(true)
    a.transport.unsubscribe(channel)
    b.transport.unsubscribe(channel)
  })

  it("carries a wire-encoded bus message unchanged", async () => {
    b.transport.subscribe("wire")
    await waitFor(async () => (await numsub("wire")) === 1, "b subscribed")
    const data = Uint8Array.from([0, 255, 1, 254])
    const bytes = encode({ node: "node-a", kind: "publish", topic: "room", except: "c1", messageKind: "binary", data })
    if (bytes instanceof WireError) throw bytes
    const before = b.received.length
    a.transport.publish("wire", bytes)
    await waitFor(() => b.received.length === before + 1, "the message")
    const m = decode(b.received[before]!.payload)
    if (m instanceof WireError) throw m
    expect(m).toMatchObject({ node: "node-a", kind: "publish", topic: "room", except: "c1", messageKind: "binary" })
    expect([...m.data]).toEqual([...data])
    b.transport.unsubscribe("wire")
  })

  it("subscribe twice = once; a node stops receiving a channel it left", async () => {
    b.transport.subscribe("x")
    b.transport.subscribe("x")
    b.transport.subscribe("marker")
    await waitFor(async () => (await numsub("x")) === 1 && (await numsub("marker")) === 1, "b on x and marker")
    const start = b.received.length
    a.transport.publish("x", seqPayload(1))
    a.transport.publish("marker", seqPayload(2))
    await waitFor(() => b.received.length >= start + 2, "x then marker")
    expect(b.received.slice(start).map((m) => m.channel)).toEqual(["x", "marker"])

    b.transport.unsubscribe("x") // one unsubscribe undoes both subscribes
    a.transport.publish("x", seqPayload(3)) // may still reach b's socket: the transport drops it
    await waitFor(async () => (await numsub("x")) === 0, "Redis saw the UNSUBSCRIBE")
    a.transport.publish("x", seqPayload(4))
    a.transport.publish("marker", seqPayload(5))
    await waitFor(() => b.received.some((m) => m.channel === "marker" && seqOf(m.payload) === 5), "marker 5")
    expect(b.received.slice(start + 2).map((m) => `${m.channel}:${seqOf(m.payload)}`)).toEqual(["marker:5"])
    b.transport.unsubscribe("x") // unsubscribing what is not subscribed is a no-op
    b.transport.unsubscribe("marker")
  })

  it("keeps the order of 20 000 messages on one channel", async () => {
    b.transport.subscribe("order")
    await waitFor(async () => (await numsub("order")) === 1, "b subscribed")
    const start = b.received.length
    const n = 20_000
    for (let i = 0; i < n; i++) expect(a.transport.publish("order", seqPayload(i))).toBe(true)
    await waitFor(() => b.received.length === start + n, `${n} messages`, 30_000)
    const seqs = b.received.slice(start).map((m) => seqOf(m.payload))
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i))
    await waitFor(() => a.transport.stats().bufferedBytes === 0, "every publish answered")
    expect(a.transport.stats().dropped).toBe(0)
    b.transport.unsubscribe("order")
  })

  it("sends one tick's publishes in one write: Redis reads them once, the other node gets them in one go", async () => {
    b.transport.subscribe("tick")
    await waitFor(async () => (await numsub("tick")) === 1, "b subscribed")
    // Arrivals handed over in one synchronous run (one socket read) share a `run` number.
    let run = 0
    let bump = false
    const runs: Array<number> = []
    b.transport.onMessage((channel) => {
      if (channel !== "tick") return
      runs.push(run)
      if (!bump) {
        bump = true
        queueMicrotask(() => {
          run++
          bump = false
        })
      }
    })
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await admin.info("stats"))![1])
    const before = await reads()
    for (let i = 0; i < 8; i++) expect(a.transport.publish("tick", seqPayload(i))).toBe(true)
    await waitFor(() => runs.length === 8, "the 8 messages")
    // One read of a's 8 PUBLISH commands, plus this INFO's own.
    expect((await reads()) - before).toBeLessThanOrEqual(2)
    expect(new Set(runs).size).toBe(1)
    b.transport.unsubscribe("tick")
  })

  it("counts published and received", () => {
    const sa = a.transport.stats()
    const sb = b.transport.stats()
    expect(sa.published).toBeGreaterThan(20_000)
    expect(sb.received).toBeGreaterThan(20_000)
    expect(sa.reconnects + sb.reconnects).toBe(0)
  })
})
