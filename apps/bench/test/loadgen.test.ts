// Sanity test of the C load generator (fast, runs in CI): build it and the C echo server, run
// every mode for a moment against the C echo server and against ws, and check the results.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildC } from "../src/build.js"
import { type LoadgenResult, runLoadgen } from "../src/loadgen.js"
import { killAllChildren, type RunningServer, type ServerSpec, serverSpecs, startServer } from "../src/servers.js"

let loadgen = ""
let specs: ServerSpec[] = []
const servers: RunningServer[] = []

beforeAll(() => {
  const bins = buildC()
  loadgen = bins.loadgen
  specs = serverSpecs(bins.echoServer)
})
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  killAllChildren()
})

async function start(id: string, job: "echo" | "broadcast" | "echo-tls"): Promise<RunningServer> {
  const server = await startServer(specs.find((s) => s.id === id)!, job, null, { timeoutMs: 10_000 })
  servers.push(server)
  return server
}

async function run(port: number, args: string[]): Promise<LoadgenResult> {
  const { result, exitCode, stderr } = await runLoadgen(
    loadgen,
    null,
    [args[0]!, "--port", String(port), "--seconds", "0.6", "--threads", "1", ...args.slice(1)],
    { timeoutMs: 15_000 }
  )
  expect(result, stderr).not.toBeNull()
  expect(result!.error, stderr).toBeNull()
  expect(exitCode).toBe(0)
  expect(result!.ok).toBe(true)
  expect(result!.errors).toBe(0)
  expect(result!.missed).toBe(0)
  expect(result!.unclean_closes).toBe(0)
  expect(result!.loadgen_cpu.cores).toBeGreaterThanOrEqual(0)
  return result!
}

function expectEcho(r: LoadgenResult, size: number): void {
  expect(r.messages).toBeGreaterThan(0)
  expect(r.msgs_per_s).toBeGreaterThan(0)
  const mb = (r.messages! * size) / r.seconds / 1e6 // JSON rounds seconds to ms: allow 1%
  expect(Math.abs(r.mb_per_s! - mb)).toBeLessThanOrEqual(mb * 0.01 + 0.001)
  expect(r.latency_us!.samples).toBe(r.messages) // every counted echo was verified and timed
  expect(r.latency_us!.p50).toBeGreaterThan(0)
  expect(r.latency_us!.p99).toBeGreaterThanOrEqual(r.latency_us!.p50)
  expect(r.other_messages).toBe(0)
}

describe.each(["c-echo", "ws"])("load generator against the %s echo server", (id) => {
  let port = 0
  beforeAll(async () => {
    port = (await start(id, "echo")).port
  })

  it("echo: 32 B text, several connections and messages in flight", async () => {
    expectEcho(await run(port, ["echo", "-c", "4", "-d", "4", "-s", "32"]), 32)
  })

  it("echo: 70 KiB binary (64-bit lengths), sent as 3 fragments", async () => {
    expectEcho(await run(port, ["echo", "-c", "2", "-d", "2", "-s", String(70_000), "--binary", "--fragments", "3"]), 70_000)
  })

  it("connect: handshakes with clean closes", async () => {
    const r = await run(port, ["connect", "-c", "4"])
    expect(r.handshakes_per_s).toBeGreaterThan(0)
    expect(r.latency_us!.samples).toBeGreaterThan(0)
  })

  it("idle: holds connections", async () => {
    const r = await run(port, ["idle", "-c", "200"])
    expect(r.connections_held).toBe(200)
  })

  it("storm: every connection at once, one echo each; handshake times and the storm's length", async () => {
    const r = await run(port, ["storm", "-c", "300", "-s", "32"])
    expect(r.echoed).toBe(300)
    expect(r.latency_us!.samples).toBe(300) // one handshake time per connection
    expect(r.storm_ms).toBeGreaterThan(0)
    expect(r.storm_ms! * 1000).toBeGreaterThanOrEqual(r.latency_us!.max)
    expect(r.other_messages).toBe(0)
  })
})

describe("load generator against the ws broadcast server", () => {
  it("broadcast: every receiver gets every message, the sender none", async () => {
    const { port } = await start("ws", "broadcast")
    const r = await run(port, ["broadcast", "-c", "20", "--inflight", "4", "-s", "32"])
    expect(r.deliveries_per_s).toBeGreaterThan(0)
    expect(r.messages).toBeGreaterThan(0)
    expect(r.sender_received).toBe(0)
    expect(r.latency_us!.samples).toBe(r.messages)
  })

  it("broadcast at a fixed rate (--rate): that many messages per second, each to every receiver", async () => {
    const { port } = await start("ws", "broadcast")
    const r = await run(port, ["broadcast", "-c", "20", "--rate", "50", "-s", "32"])
    expect(r.rate).toBe(50)
    // 0.6 s at 50/s: ~30 messages, 20 deliveries each (a saturating sender would send thousands).
    expect(r.sent).toBeGreaterThanOrEqual(25)
    expect(r.sent).toBeLessThanOrEqual(50)
    expect(r.deliveries_per_s).toBeGreaterThan(500)
    expect(r.deliveries_per_s).toBeLessThan(1500)
  })
})

describe("load generator with --tls against ws behind https.createServer", () => {
  let port = 0
  beforeAll(async () => {
    port = (await start("ws", "echo-tls")).port
  })

  it("echo: 32 B text and 70 KiB binary through TLS", async () => {
    expectEcho(await run(port, ["echo", "--tls", "-c", "4", "-d", "4", "-s", "32"]), 32)
    expectEcho(await run(port, ["echo", "--tls", "-c", "2", "-d", "2", "-s", String(70 * 1024), "--binary"]), 70 * 1024)
  })

  it("connect: TLS + upgrade + clean close, in a loop", async () => {
    const r = await run(port, ["connect", "--tls", "-c", "2"])
    expect(r.handshakes_per_s).toBeGreaterThan(0)
  })

  it("a plain server: the TLS handshake fails, and the load generator says so", async () => {
    const plain = (await start("ws", "echo")).port
    const { result, exitCode } = await runLoadgen(loadgen, null, ["echo", "--tls", "--port", String(plain), "--seconds", "0.5"], {
      timeoutMs: 10_000
    })
    expect(exitCode).toBe(1)
    expect(result!.error).toMatch(/during the TLS handshake: TLS failed/)
  })
})

describe("load generator errors", () => {
  it("says so, and exits non-zero, when nothing listens on the port", async () => {
    // Find a closed port: bind an ephemeral one, then close it.
    const net = await import("node:net")
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port
        srv.close(() => resolve(p))
      })
    })
    const { result, exitCode, stderr } = await runLoadgen(loadgen, null, ["echo", "--port", String(port), "--seconds", "1"], {
      timeoutMs: 10_000
    })
    expect(exitCode).toBe(1)
    expect(result!.ok).toBe(false)
    expect(result!.error).toMatch(/refused/)
    expect(stderr).toMatch(/Connection refused \(is the server running\?\)/)
  })
})
