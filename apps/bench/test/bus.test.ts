// Sanity test of the load generator's bus modes and of the bus scenarios' harness (fast, runs in
// CI): socket.io mode against a real socket.io server (pings answered, events parsed), and
// two-port mode against two wspipe chat processes and two socket.io processes joined by a real
// redis-server (every receiver on both nodes gets every message; one PUBLISH per broadcast).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildC, buildWspipe } from "../src/build.js"
import { type BusMeasurement, type BusResult, type BusRunConfig, type BusScenario, busSides, runBusOne } from "../src/bus.js"
import { runLoadgen } from "../src/loadgen.js"
import { type RedisServer, startRedis } from "../src/redis.js"
import { killAllChildren, type RunningServer, startServer } from "../src/servers.js"

let cfg: BusRunConfig
let redis: RedisServer
const servers: RunningServer[] = []

beforeAll(async () => {
  const { loadgen } = buildC()
  buildWspipe()
  cfg = { loadgen, seconds: 0.6, warmup: 0, serverCpu: null, loadCpu: null, redisCpu: null }
  redis = await startRedis(null)
}, 60_000)
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  await redis?.stop()
  killAllChildren()
})

function expectClean(r: BusResult): void {
  expect(r.error).toBeNull()
  expect(r.ok).toBe(true)
  expect(r.errors).toBe(0)
  expect(r.missed).toBe(0)
  expect(r.unclean_closes).toBe(0)
  expect(r.sender_received).toBe(0) // broadcast except the source
  expect(r.other_messages).toBe(0)
  expect(r.messages).toBeGreaterThan(0)
  expect(r.latency_us!.samples).toBe(r.messages)
}

describe("socket.io mode", () => {
  it('joins the namespace, answers pings, sends and parses 42["m",…] events', async () => {
    const base = busSides["socket.io"].spec(undefined)
    const spec = {
      ...base,
      command: () => {
        const c = base.command("broadcast", {})!
        return { ...c, args: [...c.args, "--ping-interval", "100"] }
      }
    }
    const server = await startServer(spec, "broadcast", null, { timeoutMs: 10_000 })
    servers.push(server)
    const { result, stderr } = await runLoadgen(
      cfg.loadgen,
      null,
      [
        "broadcast",
        "--port",
        String(server.port),
        "--socketio",
        "-c",
        "20",
        "--inflight",
        "4",
        "-s",
        "64",
        "--seconds",
        "0.6",
        "--threads",
        "1"
      ],
      { timeoutMs: 15_000 }
    )
    expect(result, stderr).not.toBeNull()
    const r = result as BusResult
    expectClean(r)
    expect(r.socketio).toBe(true)
    expect(r.pings).toBeGreaterThan(0) // 21 connections × a ping every 100 ms: a missing pong would close them
    await server.stop()
  })

  it("is refused for anything but text broadcast", async () => {
    const { exitCode, stderr } = await runLoadgen(cfg.loadgen, null, ["echo", "--port", "1", "--socketio"], { timeoutMs: 5_000 })
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/--socketio is for text broadcast only/)
  })
})

describe.each(["wspipe", "socket.io"] as const)("two ports, %s on two nodes through a real redis-server", (id) => {
  const scenario: BusScenario = {
    name: "test",
    title: "test",
    kind: "cross-node",
    sides: ["wspipe", "socket.io"],
    args: ["-c", "20", "--inflight", "4", "-s", "32"]
  }

  it("every receiver on both nodes gets every message; one PUBLISH per broadcast", async () => {
    const outcome = await runBusOne(scenario, busSides[id], redis, cfg)
    expect(outcome.ok ? "ok" : outcome.error).toBe("ok")
    const m = (outcome as { m: Omit<BusMeasurement, "round"> }).m
    expectClean(m.result)
    const [a, b] = m.result.by_port!
    expect(a!.connections).toBe(10)
    expect(b!.connections).toBe(10)
    // Both halves saw every message of the window (up to the few in flight at its edges).
    expect(Math.abs(a!.msgs_per_s - b!.msgs_per_s)).toBeLessThanOrEqual(a!.msgs_per_s * 0.05 + 50)
    expect(b!.latency_us.samples).toBeGreaterThan(0)
    expect(m.result.sent).toBeGreaterThan(0)
    expect(m.publishes).toBe(m.result.sent) // one PUBLISH per broadcast, not one per recipient
    expect(m.subscribers).toBe(2) // one subscribing connection per node
    expect(m.nodeCores).toHaveLength(2)
  })
})
