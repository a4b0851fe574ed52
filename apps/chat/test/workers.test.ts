/**
 * `pnpm chat --workers 2 --redis URL` against a real redis-server: two worker processes on one
 * port, a chat line reaches the clients of both; a worker that dies is replaced by the primary
 * while the other keeps serving; each worker serves its own metrics (on the metrics port plus its
 * slot, which a replacement keeps); SIGTERM to the primary closes every client with 1001 and exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { type RedisServer, startRedisServer, waitFor } from "../../../packages/bus-redis/test/support/redis-server.js"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const tsx = createRequire(import.meta.url).resolve("tsx/cli")
let redis: RedisServer | undefined
let primary: ChildProcess | undefined
const sockets: Array<WebSocket> = []

afterAll(async () => {
  for (const ws of sockets) ws.terminate()
  primary?.kill("SIGKILL")
  await redis?.dispose()
})

/** A chat client keeping what it receives. */
const client = async (url: string) => {
  const ws = new WebSocket(url)
  sockets.push(ws)
  const received: Array<string> = []
  let closeCode: number | undefined
  ws.on("message", (d) => received.push(String(d)))
  ws.on("close", (code) => (closeCode = code))
  await new Promise((resolve, reject) => {
    ws.once("open", resolve)
    ws.once("error", reject)
  })
  return { ws, received, closeCode: () => closeCode }
}

/** A port p with p + 1 free too (the second worker's metrics). */
const twoFreePorts = async (): Promise<number> => {
  const bind = (port: number) =>
    new Promise<Net.Server | undefined>((resolve) => {
      const server = Net.createServer()
      server.once("error", () => resolve(undefined))
      server.listen(port, "127.0.0.1", () => resolve(server))
    })
  for (;;) {
    const first = (await bind(0))!
    const port = (first.address() as Net.AddressInfo).port
    const second = port < 65535 ? await bind(port + 1) : undefined
    await new Promise((resolve) => first.close(resolve))
    if (second !== undefined) {
      await new Promise((resolve) => second.close(resolve))
      return port
    }
  }
}

/** `wspipe_connections_open` as one worker's /metrics reports it. */
const openConnections = async (port: number): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const line = text.split("\n").find((l) => l.startsWith("wspipe_connections_open"))
  return Number(line?.split(" ").at(-1))
}

describe("chat --workers 2 --redis", () => {
  it("serves one chat from two workers, survives a worker's death, stops gracefully", async () => {
    redis = await startRedisServer()
    const metricsPort = await twoFreePorts()
    primary = spawn(
      process.execPath,
      [tsx, main, "--port", "0", "--workers", "2", "--redis", redis.url, "--metrics", String(metricsPort)],
      {
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let stdout = ""
    let stderr = ""
    primary.stdout!.on("data", (d) => (stdout += String(d)))
    primary.stderr!.on("data", (d) => (stderr += String(d)))
    const exited = new Promise<number | null>((resolve) => primary!.once("exit", (code) => resolve(code)))
    await waitFor(() => /listening on ws:\/\/\S+ \(2 workers\)/.test(stdout), "the ready line", 30_000)
    await waitFor(() => ((stdout + stderr).match(/bus-redis: connected/g) ?? []).length >= 2, "both workers on the bus", 30_000)
    const url = /listening on (ws:\/\/\S+)/.exec(stdout)![1]!
    const workers = () => [...stderr.matchAll(/worker (\d+) started/g)].map((m) => Number(m[1]))
    expect(workers()).toHaveLength(2)

    // Connections are handed out in turn: eight clients land on both workers.
    const clients: Array<Awaited<ReturnType<typeof client>>> = []
    for (let i = 0; i < 8; i++) clients.push(await client(url))
    clients[0]!.ws.send("hello from one")
    for (const c of clients.slice(1)) await waitFor(() => c.received.includes("hello from one"), "the line on every client")
    expect(clients[0]!.received).not.toContain("hello from one")

    // Each worker answers on its own metrics port, for its own clients: together, all eight.
    const perWorker = [await openConnections(metricsPort), await openConnections(metricsPort + 1)]
    expect(perWorker.every((n) => n > 0)).toBe(true)
    expect(perWorker[0]! + perWorker[1]!).toBe(8)

    // One worker dies: its clients lose their connection (1006), the others stay; a new one starts.
    const [victim] = workers()
    process.kill(victim!, "SIGKILL")
    await waitFor(() => clients.some((c) => c.closeCode() !== undefined), "the victim's clients to drop")
    await waitFor(() => workers().length === 3, "the primary to start another worker", 20_000)
    const survivors = clients.filter((c) => c.closeCode() === undefined)
    expect(survivors.length).toBeGreaterThan(0)
    expect(survivors.length).toBeLessThan(clients.length)
    await waitFor(() => ((stdout + stderr).match(/bus-redis: connected/g) ?? []).length >= 3, "the new worker on the bus", 30_000)
    const late: Array<Awaited<ReturnType<typeof client>>> = []
    for (let i = 0; i < 4; i++) late.push(await client(url))
    survivors[0]!.ws.send("still here")
    for (const c of [...survivors.slice(1), ...late]) await waitFor(() => c.received.includes("still here"), "the line after the restart")
    // The replacement serves the dead worker's metrics port again.
    const after = [await openConnections(metricsPort), await openConnections(metricsPort + 1)]
    expect(after[0]! + after[1]!).toBe(survivors.length + late.length)

    // SIGTERM to the primary: every client gets 1001, the primary exits 0.
    primary.kill("SIGTERM")
    const open = [...survivors, ...late]
    await waitFor(() => open.every((c) => c.closeCode() !== undefined), "every client closed", 20_000)
    expect(open.map((c) => c.closeCode())).toEqual(open.map(() => 1001))
    expect(await exited).toBe(0)
  }, 120_000)
})
