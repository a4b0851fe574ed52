/**
 * Graceful shutdown of the real echo app (`apps/echo/src/main.ts`) on SIGTERM
 * (docs/limits.md "Shutdown"): it stops accepting; every message queued for a client before the
 * signal is written before that client's Close 1001; it waits for close handshakes (bounded by
 * `shutdownTimeoutMs`); and the process exits 0.
 *
 * Group A has received all its echoes before the signal: each must see all N, then 1001. Group B
 * is still sending when the signal comes: each must see an in-order, gap-free prefix of its
 * echoes (what the server had read), then 1001 — never a gap, never a message after the Close.
 * A raw "laggard" never answers the Close: the process must still be alive (waiting for it) once
 * everyone else is closed, refuse new connections then, and exit 0 after the timeout.
 */
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { Op, upgradeRequest } from "@wspipe/test-frames"
import { Child, killAll, repoRoot } from "./support/child.js"
import { Client, gapFreePrefix, seqOf } from "./support/client.js"
import { within } from "./support/wait.js"
import { rawConnect, rawUpgrade } from "./support/raw.js"

afterEach(killAll)

describe("graceful shutdown (SIGTERM) of the echo app", () => {
  it("stops accepting, writes everything queued before each Close 1001, awaits close handshakes, exits 0", async () => {
    const app = new Child(["--import", "tsx", Path.join(repoRoot, "apps/echo/src/main.ts")], ["--port", "0"])
    const url = (await app.waitLine(/^listening on (ws:\/\/127\.0\.0\.1:\d+\/)$/, 20_000, "the echo app's ready line"))[1]!
    const port = Number(/:(\d+)\/$/.exec(url)![1])

    const N = 500
    const groupA = await Promise.all([0, 1, 2].map(() => Client.open(url)))
    const groupB = await Promise.all([0, 1, 2].map(() => Client.open(url)))
    const laggard = await rawUpgrade(port)

    for (const c of groupA) for (let i = 0; i < N; i++) c.send(`${i}`)
    await Promise.all(groupA.map((c) => c.waitCount(N, 15_000)))
    const M = 4000
    for (const c of groupB) for (let i = 0; i < M; i++) c.send(`${i}`)
    app.proc.kill("SIGTERM") // right after the last send: many messages are still in flight
    const signalledAt = Date.now()

    await Promise.all([...groupA, ...groupB].map((c) => c.waitClosed(10_000)))
    for (const c of groupA) {
      expect(c.closeCode).toBe(1001)
      expect(c.beforeClose).toBe(N)
      expect(gapFreePrefix(c.messages.map(seqOf))).toBeUndefined()
    }
    const got: Array<number> = []
    for (const c of groupB) {
      expect(c.closeCode).toBe(1001)
      expect(c.beforeClose).toBe(c.messages.length)
      expect(gapFreePrefix(c.messages.map(seqOf))).toBeUndefined()
      got.push(c.messages.length)
    }
    // The laggard got its Close 1001 too but has not answered: the app waits for it.
    expect(laggard.closeCode()).toBe(1001)
    expect(laggard.frames.at(-1)!.opcode).toBe(Op.Close)
    expect(app.proc.exitCode).toBeNull()
    // New connections are refused now (the listener is closed, or the upgrade gets 503).
    const refused = await rawConnect(port, upgradeRequest()).then(
      async (late) => {
        await within(Promise.race([late.ended, late.closed]), 5_000, "the late connection to be closed")
        return late.head === "" || /^HTTP\/1\.1 503 /.test(late.head)
      },
      (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED"
    )
    expect(refused).toBe(true)

    const exit = await within(app.exited, 15_000, "the app to exit")
    console.log(
      `shutdown: group B got ${got.join(", ")} of ${M} echoes before 1001; ` +
        `exit ${exit.code} ${Date.now() - signalledAt} ms after SIGTERM (laggard never answered)`
    )
    expect(exit).toEqual({ code: 0, signal: null })
    laggard.socket.destroy()
  }, 60_000)
})
