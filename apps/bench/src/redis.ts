// A private redis-server for the bus scenarios: a free loopback port, no persistence, pinned with
// taskset and tracked like every other child (servers.ts kills it however the harness ends), and
// the few look-ups the bus scenarios make (PUBLISH counts, subscriber connections) via redis-cli.
import { execFile, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { spawnPinned } from "./servers.js"

const SERVER = process.env.REDIS_SERVER ?? "redis-server"
const CLI = process.env.REDIS_CLI ?? "redis-cli"

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly pid: number
  /** Runs one command through redis-cli and returns its raw output. */
  readonly cli: (...args: string[]) => Promise<string>
  /** PUBLISH + SPUBLISH commands Redis has executed so far (INFO commandstats). */
  readonly publishCalls: () => Promise<number>
  /** Connections subscribed to at least one channel or pattern (one per node for both buses). */
  readonly subscribers: () => Promise<number>
  /** True while the process runs. */
  readonly alive: () => boolean
  /** SIGKILL, waits for the exit, removes its directory (idempotent). */
  readonly stop: () => Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = Net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as Net.AddressInfo
      s.close(() => resolve(port))
    })
  })

const run = (cmd: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message} ${stderr}`))
      else resolve(stdout)
    })
  })

/** Starts redis-server on a free port, pinned to `cpu`, and waits until it answers PING. */
export async function startRedis(cpu: string | null): Promise<RedisServer> {
  const probe = spawnSync(SERVER, ["--version"], { encoding: "utf8" })
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `redis-server is not installed or cannot run (${probe.error?.message ?? probe.stderr}): run \`bash scripts/test-setup.sh\` (installs Debian's redis-server) or set REDIS_SERVER`
    )
  }
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "wspipe-bench-redis-"))
  const child = spawnPinned(cpu, SERVER, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--daemonize",
    "no",
    "--logfile",
    "",
    "--loglevel",
    "warning"
  ])
  let output = ""
  child.stdout?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-2000)
  })
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-2000)
  })
  const alive = () => child.exitCode === null && child.signalCode === null
  const cli = (...args: string[]) => run(CLI, ["-h", "127.0.0.1", "-p", String(port), ...args])
  const stop = async (): Promise<void> => {
    if (alive()) {
      const exited = new Promise<void>((res) => child.once("exit", () => res()))
      child.kill("SIGKILL")
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    if (!alive()) throw new Error(`redis-server on port ${port} exited at start: ${output}`)
    const pong = await cli("PING").catch(() => "")
    if (pong.trim() === "PONG") break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${output}`)
    }
    await sleep(20)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    cli,
    publishCalls: async () => {
      const text = await cli("INFO", "commandstats")
      let calls = 0
      for (const m of text.matchAll(/^cmdstat_s?publish:calls=(\d+)/gm)) calls += Number(m[1])
      return calls
    },
    subscribers: async () => {
      const text = await cli("CLIENT", "LIST")
      return text.split("\n").filter((l) => /\b(?:sub|psub|ssub)=[1-9]/.test(l)).length
    },
    alive,
    stop
  }
}
