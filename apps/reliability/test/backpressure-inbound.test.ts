/**
 * Inbound back-pressure (docs/limits.md "Back-pressure"; docs/callbacks.md): one
 * client floods as fast as TCP allows while the callback handling its messages is deliberately
 * slow. The server (a child process, so its VmRSS is its own) must push back through TCP instead
 * of buffering: its RSS stays under 200 MB, other clients' echo p99 stays under 10 ms during the
 * flood, and every message the flooder sent is handled, in order, once the flood ends.
 *
 * Amount: the goal is 1 GiB. The flooder's callback sleeps 1 ms per 64 KiB message, so with
 * working back-pressure the flood cannot go faster than the handler (≈ 30–50 MB/s): 1 GiB would
 * take 20–35 s. The flood is capped at 40 s (the test at ~60 s) and the test asserts the
 * properties on whatever was sent by then; the amount is printed (`flood:` line) and at least
 * 256 MiB is required, so that buffering it all would blow the RSS limit.
 */
import { afterEach, describe, expect, it } from "vitest"
import { bundle, Child, killAll, sampleRss, startChildServer } from "./support/child.js"
import { Client } from "./support/client.js"
import { percentile, sleep } from "./support/wait.js"

const MiB = 1024 * 1024
const MESSAGE = 64 * 1024
const TOTAL = 1024 * MiB
const FLOOD_MS = 40_000

afterEach(killAll)

describe("inbound back-pressure", () => {
  it("a 1 GiB flood into a slow callback: RSS < 200 MB, others' p99 < 10 ms, every accepted message handled in order", async () => {
    // Default capacities: the bound must come from the design, not from tiny test queues.
    const { child: server, port } = await startChildServer("flood", { delayMs: 1, idleTimeoutMs: 0 })
    const rss = sampleRss(server)
    const baseline = server.rss()!

    const others = await Promise.all([0, 1, 2].map(() => Client.open(`ws://127.0.0.1:${port}/`)))
    const flooder = new Child([bundle("flooder.ts")], [String(port), String(TOTAL), String(FLOOD_MS), String(MESSAGE)])
    await flooder.waitLine(/^progress [1-9]/, 15_000, "the flood to start")

    // Latency probes: each client sends, waits for its echo, pauses 5 ms, repeats, until the flood ends.
    const rtts: Array<number> = []
    let flooding = true
    const probes = others.map(async (client, k) => {
      for (let i = 0; flooding; i++) {
        const t0 = performance.now()
        const echo = await client.request(`probe ${k} ${i}`, 10_000)
        rtts.push(performance.now() - t0)
        expect(echo).toBe(`probe ${k} ${i}`)
        await sleep(5)
      }
    })
    const done = await flooder.waitLine(/^done (\d+) (\d+) (\d+) (\d+)(.*)$/, FLOOD_MS + 20_000, "the flood to end")
    flooding = false
    await Promise.all(probes)
    const [sent, bytes, ms, closeCode] = done.slice(1, 5).map(Number) as [number, number, number, number]

    // Everything the flooder sent reached the handler, in order (the server echoed its Close
    // only after reading everything before it, so nothing sent is still in flight).
    let stats = await server.stats()
    const deadline = Date.now() + 20_000
    while (stats.flood.handled < sent && Date.now() < deadline) {
      await sleep(100)
      stats = await server.stats()
    }
    const peak = rss.stop()
    const p99 = percentile(rtts, 99)
    console.log(
      `flood: ${(bytes / MiB).toFixed(0)} MiB (${sent} messages of 64 KiB) in ${ms} ms; ` +
        `handled ${stats.flood.handled}; server RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB; ` +
        `others' echo p50 ${percentile(rtts, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${rtts.length} probes; ` +
        `flooder close ${closeCode} ${done[5]!.trim()}; closes ${JSON.stringify(stats.closes)}`
    )

    expect(peak).toBeLessThan(200 * 1000 * 1000)
    expect(p99).toBeLessThan(10)
    expect(closeCode, "the flooder is not closed: back-pressure, not a policy close").toBe(1000)
    expect(stats.flood.outOfOrder, stats.flood.firstDisorder).toBe(0)
    expect(stats.flood.handled).toBe(sent)
    expect(bytes).toBeGreaterThanOrEqual(256 * MiB)
    for (const client of others) expect(client.closeCode).toBeUndefined()
  }, 90_000)
})
