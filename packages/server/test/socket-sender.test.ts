/**
 * SocketSender over real socket pairs: a batch written straight to the socket when nothing is
 * queued, the shared join of a broadcast's frames, waiting for `drain` with order kept, `End`,
 * a big buffer handed to the kernel in slices, one per event-loop turn.
 */
import * as Net from "node:net"
import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { End, type Outbound, Parts } from "../src/messages/outbound.js"
import { SocketSender } from "../src/actors/socket-sender.js"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A connected pair: `server` is the accepted side; everything `client` reads is collected. */
const socketPair = async () => {
  const listener = Net.createServer()
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve))
  const { port } = listener.address() as Net.AddressInfo
  const accepted = new Promise<Net.Socket>((resolve) => listener.once("connection", resolve))
  const client = Net.connect(port, "127.0.0.1")
  const server = await accepted
  const chunks: Array<Buffer> = []
  client.on("data", (b: Buffer) => chunks.push(b))
  let ended = false
  client.on("end", () => {
    ended = true
  })
  return {
    server,
    client,
    read: () => Buffer.concat(chunks).toString(),
    ended: () => ended,
    close: () => {
      client.destroy()
      server.destroy()
      listener.close()
    }
  }
}

const text = (s: string): Uint8Array => Buffer.from(s)

describe("SocketSender", () => {
  it("writes a batch without queueing it when nothing waits, and every client of a broadcast gets the same bytes", async () => {
    const pairs = await Promise.all([socketPair(), socketPair(), socketPair()])
    let fibers = 0
    const runFork = (effect: Effect.Effect<unknown>) => {
      fibers++
      Effect.runFork(effect)
    }
    const senders = pairs.map((p) => new SocketSender(p.server, { capacity: 16, runFork, closeTimeoutMs: 5_000 }))
    const frames = [text("one,"), text("two,"), text("three;")]
    for (const s of senders) expect(s.offer(frames)).toEqual([])
    expect(senders.map((s) => s.queued())).toEqual([0, 0, 0])
    // Another batch of other frames (the same length) is joined anew, not taken from the last one.
    const other = [text("four,"), text("five,"), text("six!!;")]
    expect(senders[1]!.offer(other)).toEqual([])
    await sleep(50)
    expect(pairs.map((p) => p.read())).toEqual(["one,two,three;", "one,two,three;four,five,six!!;", "one,two,three;"])
    expect(fibers).toBe(0)
    for (const p of pairs) p.close()
  })

  it("waits for drain when the socket is full, keeps the order of what comes meanwhile, and ends TCP at End", async () => {
    const pair = await socketPair()
    pair.client.pause() // the client does not read: the socket's buffer fills
    let fibers = 0
    const runFork = (effect: Effect.Effect<unknown>) => {
      fibers++
      Effect.runFork(effect)
    }
    const sender = new SocketSender(pair.server, { capacity: 1024, runFork, closeTimeoutMs: 5_000 })
    const big = Buffer.alloc(8 << 20, "a")
    expect(sender.offer([big])).toEqual([]) // written at once; the socket keeps what the kernel did not take
    expect(fibers).toBe(1) // and it waits for drain
    const after: Array<Outbound> = [text("b"), text("c"), End]
    expect(sender.offer(after)).toEqual([])
    expect(sender.queued()).toBe(3) // queued behind the big write, not written past it
    expect(sender.backlog()).toBeGreaterThan(0)
    pair.client.resume()
    const deadline = Date.now() + 10_000
    while (!pair.ended() && Date.now() < deadline) await sleep(20)
    const all = pair.read()
    expect(all.length).toBe(big.length + 2)
    expect(all.endsWith("abc")).toBe(true)
    expect(pair.ended()).toBe(true)
    expect(fibers).toBe(1)
    pair.close()
  })

  it("hands a buffer above 1 MiB to the kernel in 1 MiB slices, one per event-loop turn, and what follows keeps its place", async () => {
    const pair = await socketPair()
    const writes: Array<{ bytes: number; turn: number }> = []
    let turn = 0
    let counting = true
    const count = () => {
      turn++
      if (counting) setImmediate(count)
    }
    setImmediate(count)
    const write = pair.server.write.bind(pair.server) as (chunk: Uint8Array) => boolean
    ;(pair.server as unknown as { write: (chunk: Uint8Array) => boolean }).write = (chunk) => {
      writes.push({ bytes: chunk.byteLength, turn })
      return write(chunk)
    }
    const sender = new SocketSender(pair.server, {
      capacity: 1024,
      runFork: (effect) => void Effect.runFork(effect),
      closeTimeoutMs: 5_000
    })
    const payload = Buffer.alloc((5 << 20) + 3, "p")
    expect(sender.offer([Parts(text("H"), payload), text("after"), End])).toEqual([])
    expect(sender.backlog()).toBeGreaterThanOrEqual(4 << 20) // the rest not yet written counts
    const deadline = Date.now() + 10_000
    while (!pair.ended() && Date.now() < deadline) await sleep(20)
    counting = false
    const all = pair.read()
    expect(all.length).toBe(1 + payload.length + 5)
    expect(all.startsWith("Hppp")).toBe(true)
    expect(all.endsWith("pafter")).toBe(true)
    const slices = writes.filter((w) => w.bytes > 1)
    // The last 3 bytes and "after" are small: joined into one write of 8.
    expect(slices.map((w) => w.bytes)).toEqual([1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 8])
    expect(new Set(slices.map((w) => w.turn)).size).toBe(slices.length) // never two in one turn
    pair.close()
  })
})
