/**
 * Outbound back-pressure (docs/limits.md "the slow-consumer policy"): during a
 * broadcast stream one client stops reading. The sender never waits on it: every other client
 * receives every message in order while it is still stalled. With `slowConsumer: "close"` (the
 * default) the stalled client is closed with 1008 once its `outboundBufferLimit` is passed; with
 * `"drop"` it stays connected, the messages for it that did not fit are dropped and counted in
 * `Metrics.metrics.droppedMessages`, and what it does get is in order. The server runs in a child
 * process; its RSS stays below 200 MB.
 *
 * The stream is paced (8 messages of 4 KiB per millisecond tick, ~30 MB/s per client) so that
 * the fast clients, which share this test process, keep up even when the machine is loaded: the
 * policy must hit the client that stopped reading, and only it.
 */
import { defaults } from "@wspipe/server/internal"
import { afterEach, describe, expect, it } from "vitest"
import { frame, Op } from "@wspipe/test-frames"
import { killAll, sampleRss, startChildServer } from "./support/child.js"
import { Client, gapFreePrefix, increasing, seqOf } from "./support/client.js"
import { percentile, waitFor, within } from "./support/wait.js"
import { rawUpgrade } from "./support/raw.js"

const MiB = 1024 * 1024
const N = 6000
const SIZE = 4096
const LIMIT = MiB

afterEach(killAll)

const setup = async (slowConsumer: "close" | "drop") => {
  const { child, port } = await startChildServer("broadcast", {
    // closeTimeoutMs stays at its default (5 s): the 1008 Close is queued behind what the socket
    // already buffered, so a stalled client sees it only if it reads again before the server
    // gives up on the close handshake and destroys the socket.
    slowConsumer,
    outboundBufferLimit: LIMIT,
    idleTimeoutMs: 0
  })
  const rss = sampleRss(child)
  const fast = await Promise.all([0, 1, 2].map(() => Client.open(`ws://127.0.0.1:${port}/`)))
  const stalled = await rawUpgrade(port)
  stalled.socket.pause() // stops reading: its TCP window closes, then the server's buffers fill
  expect((await child.stats()).connections).toBe(4)
  // Latency of each broadcast message at each fast client (sent-at stamp in the message).
  const latencies: Array<number> = []
  for (const c of fast)
    c.ws.on("message", (d: Buffer) => {
      const stamp = Number(d.toString("latin1", 0, 40).split(" ")[1])
      if (Number.isFinite(stamp)) latencies.push(Date.now() - stamp)
    })
  fast[0]!.send(`stream ${N} ${SIZE} 8`)
  // Every fast client gets all N (the requester also gets "streamed") while the stalled client
  // still reads nothing: the sender did not wait for it.
  await Promise.all(fast.map((c, i) => c.waitCount(i === 0 ? N + 1 : N, 60_000)))
  for (const c of fast) {
    const seqs = c.messages.filter((m) => m.toString("latin1", 0, 8) !== "streamed").map(seqOf)
    expect(seqs.length).toBe(N)
    expect(gapFreePrefix(seqs)).toBeUndefined()
    expect(c.closeCode).toBeUndefined()
  }
  expect(stalled.socket.isPaused()).toBe(true)
  return { child, rss, fast, stalled, latencies }
}

const dataSeqs = (frames: ReadonlyArray<{ opcode: number; payload: Buffer }>) =>
  frames.filter((f) => f.opcode === Op.Text).map((f) => seqOf(f.payload))

describe("outbound back-pressure", () => {
  it("the defaults: close slow consumers (1008) past 4 MiB waiting", () => {
    expect(defaults.slowConsumer).toBe("close")
    expect(defaults.outboundBufferLimit).toBe(4 * MiB)
    expect(defaults.outboundQueueCapacity).toBe(16_384)
  })

  it('slowConsumer "close": the stalled client gets an in-order prefix and Close 1008; the others everything', async () => {
    const { child, rss, stalled, latencies } = await setup("close")
    const stats = await child.stats()
    expect(stats.slowConsumerCloses).toBe(1)
    expect(stats.droppedMessages).toBe(0)

    stalled.socket.resume()
    await within(stalled.ended, 10_000, "the server to end the stalled connection")
    const seqs = dataSeqs(stalled.frames)
    const peak = rss.stop()
    console.log(
      `close: stalled got ${seqs.length} of ${N} then ${stalled.closeCode()}; ` +
        `others' latency p50 ${percentile(latencies, 50)} ms p99 ${percentile(latencies, 99)} ms; RSS peak ${(peak / MiB).toFixed(0)} MiB`
    )
    expect(stalled.closeCode()).toBe(1008)
    expect(stalled.frames.at(-1)!.opcode).toBe(Op.Close)
    expect(gapFreePrefix(seqs)).toBeUndefined()
    expect(seqs.length).toBeLessThan(N)
    stalled.socket.end()
    await within(stalled.closed, 5_000, "the stalled socket to close")
    let connections = 4
    for (let i = 0; i < 100 && connections !== 3; i++) connections = (await child.stats()).connections
    expect(connections).toBe(3)
    expect(peak).toBeLessThan(200 * 1000 * 1000)
  }, 90_000)

  it('slowConsumer "drop": the stalled client stays, gets an in-order subsequence, and drops are counted', async () => {
    const { child, rss, stalled, latencies } = await setup("drop")
    const stats = await child.stats()
    const dropped: number = stats.droppedMessages
    expect(stats.slowConsumerCloses).toBe(0)
    expect(dropped).toBeGreaterThan(0)
    expect(stats.connections).toBe(4)

    stalled.socket.resume()
    // Exactly what was not dropped arrives: nothing for it is lost silently or sent twice.
    await waitFor(() => dataSeqs(stalled.frames).length >= N - dropped, 20_000, `${N - dropped} messages at the stalled client`)
    const seqs = dataSeqs(stalled.frames)
    expect(seqs.length).toBe(N - dropped)
    expect(increasing(seqs)).toBeUndefined()
    // Still connected and served.
    stalled.socket.write(frame(Op.Text, Buffer.from("still here")))
    await waitFor(() => stalled.frames.some((f) => f.payload.toString() === "still here"), 5_000, "the echo")
    expect(stalled.closeCode()).toBeUndefined()
    const peak = rss.stop()
    console.log(
      `drop: stalled got ${seqs.length} of ${N}, ${dropped} dropped; ` +
        `others' latency p50 ${percentile(latencies, 50)} ms p99 ${percentile(latencies, 99)} ms; RSS peak ${(peak / MiB).toFixed(0)} MiB`
    )
    expect(peak).toBeLessThan(200 * 1000 * 1000)
  }, 90_000)
})
