// The load generator as the deflate stall test's probes (apps/reliability/src/lib/loadgen-probes.ts):
// `--pause-us` between an echo and the next message, `--rtt-log` with every answer, and SIGINT
// ending a run whose length was not known in advance. Against the C echo server (fast, CI).
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildC } from "../src/build.js"
import { killAllChildren, type RunningServer, serverSpecs, startServer } from "../src/servers.js"

let loadgen = ""
let server: RunningServer | undefined
const dir = mkdtempSync(join(tmpdir(), "wspipe-probes-test-"))

beforeAll(async () => {
  const bins = buildC()
  loadgen = bins.loadgen
  server = await startServer(serverSpecs(bins.echoServer).find((s) => s.id === "c-echo")!, "echo", null, { timeoutMs: 10_000 })
})
afterAll(async () => {
  await server?.stop()
  killAllChildren()
  rmSync(dir, { recursive: true, force: true })
})

describe("load generator probes", () => {
  it("pauses between an echo and the next message, logs every answer, and stops on SIGINT with its results", async () => {
    const log = join(dir, "rtt.log")
    const args = ["echo", "--port", String(server!.port), "-c", "4", "-d", "1", "-s", "64", "-t", "600", "--threads", "1"]
    const child = spawn(loadgen, [...args, "--pause-us", "20000", "--rtt-log", log], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    const started = Date.now()
    while (!stderr.includes("loadgen: measuring") && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 600))
    child.kill("SIGINT")
    expect(await exited, stderr).toBe(0)
    expect(Date.now() - started).toBeLessThan(8_000) // -t 600: the signal ended it
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as { ok: boolean; messages: number; seconds: number }
    expect(result.ok).toBe(true)
    expect(result.seconds).toBeLessThan(5)
    const lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" ").map(Number) as [number, number, number])
    expect(lines.length).toBe(result.messages)
    // 4 connections, each an answer at most every 20 ms (+ its round trip): ~30 each in 0.6 s, not thousands.
    expect(lines.length).toBeGreaterThan(8)
    expect(lines.length).toBeLessThan(4 * 40)
    for (const id of [0, 1, 2, 3]) {
      const mine = lines.filter((l) => l[2] === id).map((l) => l[0])
      expect(mine.length).toBeGreaterThan(1)
      for (let i = 1; i < mine.length; i++) expect(mine[i]! - mine[i - 1]!).toBeGreaterThanOrEqual(20_000_000)
    }
    for (const [at, rtt] of lines) {
      expect(rtt).toBeGreaterThan(0)
      expect(at).toBeGreaterThan(rtt)
    }
  }, 20_000)
})
