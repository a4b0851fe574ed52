// The bus scenarios: wspipe's cross-node broadcast through Redis (two chat processes on two ports,
// `--redis` to one redis-server) against socket.io 4.8 + @socket.io/redis-adapter 8 doing the same
// job through the same redis-server in the same run, and the bus's own cost on one node (the chat
// app with `--redis` against without). What one side runs, how one run goes, and the suite
// (rounds alternate the sides); bus-report.ts turns the runs into tables and the docs section.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { benchDir } from "./build.js"
import { type LoadgenResult, runLoadgen } from "./loadgen.js"
import { startRedis, type RedisServer } from "./redis.js"
import { cpuSeconds, type RunningServer, type ServerSpec, startServer } from "./servers.js"

/** What the load generator reports in broadcast mode with --port2 / --socketio (beyond LoadgenResult). */
export type BusResult = LoadgenResult & {
  readonly sent: number
  readonly port2?: number
  readonly by_port?: readonly {
    readonly port: number
    readonly connections: number
    readonly msgs_per_s: number
    readonly latency_us: { p50: number; p99: number; p999: number; samples: number }
  }[]
  readonly socketio?: boolean
  readonly pings?: number
}

export type BusSideId = "wspipe" | "socket.io" | "wspipe-bus" | "wspipe-local"

/** One side of a comparison: its server processes (one per node) and how the load generator talks to them. */
export interface BusSide {
  readonly id: BusSideId
  readonly label: string
  readonly nodes: 1 | 2
  readonly redis: boolean
  /** Extra load generator arguments (the protocol). */
  readonly loadgenArgs: readonly string[]
  readonly spec: (redisUrl: string | undefined, profileDir?: string) => ServerSpec
}

export interface BusScenario {
  readonly name: string
  readonly title: string
  /** "cross-node": A = wspipe, B = socket.io; "cost": A = bus on, B = bus off (same server). */
  readonly kind: "cross-node" | "cost"
  readonly sides: readonly [BusSideId, BusSideId]
  readonly args: readonly string[]
}

const chatBundle = join(benchDir, "bin/wspipe-chat.mjs")
const socketioScript = join(benchDir, "servers/socketio-broadcast.mjs")
const exitOnSignal = pathToFileURL(join(benchDir, "servers/exit-on-signal.mjs")).href

const wspipeSpec =
  (label: string) =>
  (redisUrl: string | undefined, profileDir?: string): ServerSpec => ({
    id: "wspipe",
    label,
    command: () => ({
      cmd: process.execPath,
      args: [
        ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--import", exitOnSignal] : []),
        chatBundle,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        ...(redisUrl ? ["--redis", redisUrl] : [])
      ],
      env: { ...process.env }
    }),
    missing: () => (existsSync(chatBundle) ? null : `wspipe chat app not available (${chatBundle} does not exist)`)
  })

export const busSides: Record<BusSideId, BusSide> = {
  wspipe: { id: "wspipe", label: "wspipe", nodes: 2, redis: true, loadgenArgs: [], spec: wspipeSpec("wspipe node") },
  "socket.io": {
    id: "socket.io",
    label: "socket.io",
    nodes: 2,
    redis: true,
    loadgenArgs: ["--socketio"],
    spec: (redisUrl) => ({
      id: "ws", // socket.io's WebSocket transport is ws (with bufferutil, as socket.io installs it)
      label: "socket.io node",
      command: () => ({
        cmd: process.execPath,
        args: [socketioScript, "--port", "0", "--host", "127.0.0.1", ...(redisUrl ? ["--redis", redisUrl] : [])],
        env: { ...process.env }
      }),
      missing: () => null
    })
  },
  "wspipe-bus": { id: "wspipe-bus", label: "bus on (--redis)", nodes: 1, redis: true, loadgenArgs: [], spec: wspipeSpec("wspipe --redis") },
  "wspipe-local": { id: "wspipe-local", label: "bus off", nodes: 1, redis: false, loadgenArgs: [], spec: wspipeSpec("wspipe") }
}

export const busScenarios: readonly BusScenario[] = [
  {
    name: "bus-xnode-32b",
    title: "cross-node broadcast 32 B, 2 nodes × 500 receivers, sender on node A, 8 in flight",
    kind: "cross-node",
    sides: ["wspipe", "socket.io"],
    args: ["-c", "1000", "--inflight", "8", "-s", "32"]
  },
  {
    name: "bus-xnode-1k",
    title: "cross-node broadcast 1 KiB, 2 nodes × 500 receivers, sender on node A, 8 in flight",
    kind: "cross-node",
    sides: ["wspipe", "socket.io"],
    args: ["-c", "1000", "--inflight", "8", "-s", "1024"]
  },
  {
    name: "bus-cost-32b-r1000-f8",
    title: "one node, broadcast 32 B to 1000 receivers, 8 in flight: bus on vs off",
    kind: "cost",
    sides: ["wspipe-bus", "wspipe-local"],
    args: ["-c", "1000", "--inflight", "8", "-s", "32"]
  }
]

/** Bus scenarios whose name contains one of the comma-separated filters (all when none). */
export function selectBusScenarios(filter: string | undefined): BusScenario[] {
  if (!filter) return [...busScenarios]
  const parts = filter
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
  return busScenarios.filter((s) => parts.some((p) => s.name.includes(p)))
}

/** What one run of one side measured. */
export interface BusMeasurement {
  readonly round: number
  readonly result: BusResult
  /** CPU of each server process (node A, node B) over the measured window, in cores. */
  readonly nodeCores: readonly number[]
  /** write(2)-family system calls per second of each server process over the window (/proc/PID/io). */
  readonly nodeWritesPerS?: readonly number[]
  readonly redisCores: number
  /** Busy share of each CPU over the window (all processes, softirq included: loopback TCP's receive side runs there). */
  readonly cpuBusy?: Readonly<Record<string, number>>
  /** PUBLISH commands Redis executed during the whole load generator run (warm-up included). */
  readonly publishes?: number
  /** Connections subscribed to something in Redis during the window (one per node). */
  readonly subscribers?: number
}

export interface BusRunConfig {
  readonly loadgen: string
  readonly seconds: number
  readonly warmup: number
  /** taskset CPU lists; null: not pinned (tests). */
  readonly serverCpu: string | null
  readonly loadCpu: string | null
  readonly redisCpu: string | null
  readonly profileDir?: string
}

export type BusOutcome =
  | { readonly ok: true; readonly m: Omit<BusMeasurement, "round"> }
  | { readonly ok: false; readonly error: string; readonly unavailable: boolean }

/** write(2)-family system calls a process has made so far (/proc/PID/io syscw). */
function writeCalls(pid: number): number {
  return Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1] ?? Number.NaN)
}

/** Per CPU of /proc/stat: [busy, total] jiffies (busy: all but idle and iowait). */
function cpuTimes(): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>()
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu(\d+) (.*)$/.exec(line)
    if (!m) continue
    const f = m[2]!.trim().split(/\s+/).map(Number)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    out.set(m[1]!, [total - f[3]! - f[4]!, total])
  }
  return out
}

/** CPU of several processes, and of each CPU, over the load generator's measured window (its "measuring"/"measured" lines). */
function cpuWindow(pids: readonly number[]) {
  let start: { cpu: number[]; writes: number[]; t: number; all: Map<string, [number, number]> } | undefined
  let cores: number[] | undefined
  let writes: number[] | undefined
  let busy: Record<string, number> | undefined
  const sample = () => {
    try {
      return { cpu: pids.map(cpuSeconds), writes: pids.map(writeCalls), t: performance.now(), all: cpuTimes() }
    } catch {
      return undefined // a process died: the load generator reports it
    }
  }
  return {
    onLine: (line: string) => {
      if (line.endsWith("loadgen: measuring")) start = sample()
      else if (line.endsWith("loadgen: measured") && start) {
        const s = start
        const end = sample()
        if (!end) return
        cores = end.cpu.map((c, i) => (c - s.cpu[i]!) / ((end.t - s.t) / 1000))
        writes = end.writes.map((w, i) => (w - s.writes[i]!) / ((end.t - s.t) / 1000))
        busy = Object.fromEntries(
          [...end.all].map(([cpu, [b, t]]) => {
            const [b0, t0] = s.all.get(cpu) ?? [b, t]
            return [cpu, t > t0 ? (b - b0) / (t - t0) : Number.NaN]
          })
        )
      }
    },
    cores: () => cores ?? pids.map(() => Number.NaN),
    writesPerS: () => writes ?? pids.map(() => Number.NaN),
    busy: () => busy
  }
}

/** One run: fresh server processes (one per node), the load generator, Redis counts before and after. */
export async function runBusOne(
  scenario: BusScenario,
  side: BusSide,
  redis: RedisServer | undefined,
  cfg: BusRunConfig,
  profileDirs?: readonly string[]
): Promise<BusOutcome> {
  const nodes: RunningServer[] = []
  const url = side.redis ? redis?.url : undefined
  try {
    for (let i = 0; i < side.nodes; i++) {
      const spec = side.spec(url, profileDirs?.[i])
      nodes.push(await startServer(spec, "broadcast", cfg.serverCpu))
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()))
    return { ok: false, error: (e as Error).message, unavailable: true }
  }
  try {
    const before = url && redis ? await redis.publishCalls() : undefined
    const window = cpuWindow([...nodes.map((n) => n.pid), ...(redis ? [redis.pid] : [])])
    let subscribers: Promise<number | undefined> = Promise.resolve(undefined)
    const ports = ["--port", String(nodes[0]!.port), ...(nodes[1] ? ["--port2", String(nodes[1].port)] : [])]
    const run = await runLoadgen(
      cfg.loadgen,
      cfg.loadCpu,
      ["broadcast", ...ports, ...side.loadgenArgs, ...scenario.args, "--seconds", String(cfg.seconds), "--warmup", String(cfg.warmup)],
      {
        timeoutMs: (cfg.seconds + cfg.warmup) * 1000 + 60_000,
        onStderrLine: (line) => {
          window.onLine(line)
          if (line.endsWith("loadgen: measuring") && url && redis) subscribers = redis.subscribers().catch(() => undefined)
        }
      }
    )
    const after = url && redis ? await redis.publishCalls() : undefined
    const r = run.result as BusResult | null
    if (!r?.ok) {
      const why =
        r?.error ??
        (r
          ? `${r.errors} errors (${r.missed} missed, ${r.unclean_closes} unclean closes)`
          : run.stderr.trim().split("\n").slice(-2).join(" "))
      const said = nodes
        .map((n) => n.stderrTail())
        .filter(Boolean)
        .join(" / ")
      return { ok: false, error: `load generator failed: ${why}${said ? ` (server stderr: ${said})` : ""}`, unavailable: false }
    }
    const cores = window.cores()
    const busy = window.busy()
    const subs = await subscribers
    return {
      ok: true,
      m: {
        result: r,
        nodeCores: cores.slice(0, nodes.length),
        nodeWritesPerS: window.writesPerS().slice(0, nodes.length),
        redisCores: redis ? cores[nodes.length]! : Number.NaN,
        ...(busy ? { cpuBusy: busy } : {}),
        ...(before !== undefined && after !== undefined ? { publishes: after - before } : {}),
        ...(subs !== undefined ? { subscribers: subs } : {})
      }
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()))
  }
}

export type BusCell = { readonly runs: BusMeasurement[]; readonly errors: string[]; unavailable?: string }
export type BusResults = Map<string, Map<BusSideId, BusCell>>

/**
 * Runs the bus scenarios: one redis-server for the suite (pinned to `redisCpu`), every side of a
 * scenario once per round (A B A B …), fresh server processes per run.
 */
export async function runBusSuite(
  scenarios: readonly BusScenario[],
  runs: number,
  cfg: BusRunConfig,
  log: (line: string) => void
): Promise<BusResults> {
  const results: BusResults = new Map()
  let redis: RedisServer | undefined
  try {
    redis = await startRedis(cfg.redisCpu)
    log(`  bus: redis-server ${redis.url} (pid ${redis.pid}, CPU ${cfg.redisCpu})`)
    for (const sc of scenarios) {
      const cells = new Map<BusSideId, BusCell>()
      results.set(sc.name, cells)
      for (let round = 1; round <= runs; round++) {
        for (const id of sc.sides) {
          const cell = cells.get(id) ?? { runs: [], errors: [] }
          cells.set(id, cell)
          if (cell.unavailable) continue
          if (!redis.alive()) {
            await redis.stop()
            redis = await startRedis(cfg.redisCpu)
            log(`  bus: redis-server had died; started again on ${redis.url}`)
          }
          const outcome = await runBusOne(sc, busSides[id], redis, cfg)
          if (outcome.ok) {
            cell.runs.push({ ...outcome.m, round })
            const { result: r, nodeCores, redisCores, publishes } = outcome.m
            log(
              `  ${sc.name} run ${round}/${runs} ${busSides[id].label}: deliveries/s ${r.deliveries_per_s?.toFixed(0)}, p99 ${r.latency_us?.p99.toFixed(0)} µs` +
                `${publishes !== undefined ? `, ${(publishes / r.sent).toFixed(3)} PUBLISH/broadcast` : ""}` +
                ` (cores: servers ${nodeCores.map((c) => c.toFixed(2)).join(" + ")}, redis ${redisCores.toFixed(2)}, loadgen ${r.loadgen_cpu.cores.toFixed(2)})`
            )
          } else if (outcome.unavailable) {
            cell.unavailable = outcome.error
            log(`  ${sc.name} ${busSides[id].label}: ${outcome.error}`)
          } else {
            cell.errors.push(outcome.error)
            log(`  ${sc.name} run ${round}/${runs} ${busSides[id].label}: FAILED: ${outcome.error}`)
          }
        }
      }
    }
  } finally {
    await redis?.stop()
  }
  return results
}

/** One extra run of each wspipe side under --cpu-prof, a profile per node; returns the directories. */
export async function profileBus(
  scenarios: readonly BusScenario[],
  cfg: BusRunConfig,
  profileRoot: string,
  log: (line: string) => void
): Promise<{ scenario: BusScenario; side: BusSide; dirs: string[]; outcome: BusOutcome }[]> {
  const out: { scenario: BusScenario; side: BusSide; dirs: string[]; outcome: BusOutcome }[] = []
  const redis = await startRedis(cfg.redisCpu)
  try {
    for (const sc of scenarios) {
      const side = busSides[sc.sides[0]] // wspipe, or the bus-on side
      const dirs = Array.from({ length: side.nodes }, (_, i) => join(profileRoot, sc.name, side.nodes === 1 ? "node" : `node-${"AB"[i]}`))
      for (const d of dirs) {
        rmSync(d, { recursive: true, force: true })
        mkdirSync(d, { recursive: true })
      }
      log(`  profiling ${side.label}: ${sc.name}`)
      out.push({ scenario: sc, side, dirs, outcome: await runBusOne(sc, side, redis, cfg, dirs) })
    }
  } finally {
    await redis.stop()
  }
  return out
}
