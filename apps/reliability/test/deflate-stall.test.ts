/**
 * A 16 MiB compressed message must not stall the other connections (docs/deflate-engine.md: big
 * messages are inflated and compressed in bounded slices, one per event-loop turn, and the other
 * connections' messages are processed between them). The echo app (its defaults: permessage-deflate
 * on) runs as a child process; 20 small-message clients with permessage-deflate echo continuously
 * while one client sends two 16 MiB binary messages, compressed, one after the other's echo:
 * highly compressible (~16 KiB on the wire) and incompressible (16 MiB of random bytes).
 *
 * Asserted, because it holds on any machine: every echo is right, the big echo inflates back to
 * what was sent, and every small client got answers while each big message was in the server
 * (between its write and the end of its echo) — no starvation. Not asserted: the round-trip p99
 * during the big messages (target ≤ 10 ms), which depends on the machine; it is printed, and
 * `pnpm --filter @wspipe/reliability deflate-stall` measures it (docs/benchmarks.md).
 */
import { afterEach, describe, expect, it } from "vitest"
import { type EchoServer, startEcho } from "../src/lib/child.js"
import { duringBig, percentile, runStall } from "../src/lib/stall.js"

const PROBES = 20
let server: EchoServer | undefined

afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe("a 16 MiB compressed message and the other connections", () => {
  it.each(["compressible", "incompressible"] as const)(
    "%s: every small client is answered while it is processed",
    async (kind) => {
      server = await startEcho({ bundled: true })
      const r = await runStall({ port: server.port, probes: PROBES, kind, bigMessages: 2, pauseMs: 2, quietMs: 300, timeoutMs: 100_000 })
      expect(r.failure).toBeUndefined()
      expect(r.windows.length).toBe(2)
      for (const w of r.windows) expect(w.echoed).toBeGreaterThan(w.sent)
      expect(r.echoIntact, "the 16 MiB echo inflates to the message sent").toBe(true)
      const d = duringBig(r, PROBES)
      const rtts = d.inside.map((a) => a.rtt)
      console.log(
        `${kind}: 16 MiB as ${(r.windows[0]!.wireBytes / 1024).toFixed(0)} KiB, echoed as ${(r.windows[0]!.echoWireBytes / 1024).toFixed(0)} KiB ` +
          `in ${r.windows.map((w) => (w.echoed - w.sent).toFixed(0)).join(", ")} ms; ${rtts.length} small echoes meanwhile, ` +
          `p50 ${percentile(rtts, 50).toFixed(2)} ms, p99 ${percentile(rtts, 99).toFixed(2)} ms (quiet p99 ${percentile(
            d.quiet.map((a) => a.rtt),
            99
          ).toFixed(2)} ms); ` +
          `fewest answers to one client during one big message: ${Math.min(...d.perWindow.flat())}`
      )
      for (const [i, counts] of d.perWindow.entries()) {
        for (const [k, n] of counts.entries()) expect(n, `small client ${k} during big message ${i}`).toBeGreaterThan(0)
      }
    },
    120_000
  )
})
