// The bus scenarios from the command line to docs/benchmarks.md: runs the suite (bus.ts), keeps
// the raw runs in bin/bus-results-latest.json, prints the tables (medians, per-round ratios, every
// process's CPU, Redis messages per broadcast, the targets) and writes its own docs section
// (between <!-- bus:begin --> and <!-- bus:end -->; appended to the file the first time).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { binDir } from "./build.js"
import {
  type BusCell,
  type BusMeasurement,
  type BusResults,
  type BusRunConfig,
  type BusScenario,
  type BusSideId,
  busSides,
  profileBus,
  runBusSuite,
  selectBusScenarios
} from "./bus.js"
import { formatProfile, summariseProfiles } from "./profile.js"
import { machineInfo } from "./report.js"
import { median } from "./scenarios.js"
import { repoRoot } from "./servers.js"

interface BusMetric {
  readonly label: string
  /** ↑ higher is better, ↓ lower is better, "" a fact (no ratio). */
  readonly dir: "↑" | "↓" | ""
  readonly digits: number
  readonly pick: (m: BusMeasurement) => number | undefined
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
const perBroadcast = (m: BusMeasurement, n: number | undefined) => (n !== undefined && m.result.sent > 0 ? n / m.result.sent : undefined)

const deliveries: BusMetric = { label: "deliveries/s", dir: "↑", digits: 0, pick: (m) => m.result.deliveries_per_s }
const p99: BusMetric = { label: "delivery p99 µs", dir: "↓", digits: 0, pick: (m) => m.result.latency_us?.p99 }
const publishesPerBroadcast: BusMetric = { label: "PUBLISH per broadcast", dir: "", digits: 3, pick: (m) => perBroadcast(m, m.publishes) }

function metricsOf(sc: BusScenario, cpus: readonly string[]): BusMetric[] {
  const cross = sc.kind === "cross-node"
  const node = (i: number, what: string): BusMetric => ({ label: `CPU cores: ${what}`, dir: "", digits: 2, pick: (m) => m.nodeCores[i] })
  // Deliveries each server made per write system call: how many messages one socket write carries.
  const writes = (i: number, what: string): BusMetric => ({
    label: `deliveries per write syscall: ${what}`,
    dir: "",
    digits: 2,
    pick: (m) => {
      const w = m.nodeWritesPerS?.[i]
      const d = cross ? m.result.by_port?.[i]?.msgs_per_s : m.result.deliveries_per_s
      return w !== undefined && d !== undefined && w > 0 ? d / w : undefined
    }
  })
  return [
    deliveries,
    {
      label: "deliveries per server CPU-s",
      dir: "↑",
      digits: 0,
      pick: (m) =>
        m.result.deliveries_per_s !== undefined && sum(m.nodeCores) > 0.02 ? m.result.deliveries_per_s / sum(m.nodeCores) : undefined
    },
    { label: "delivery p50 µs", dir: "↓", digits: 0, pick: (m) => m.result.latency_us?.p50 },
    p99,
    ...(cross
      ? ([
          { label: "p99 µs, node A's 500 (local)", dir: "↓", digits: 0, pick: (m) => m.result.by_port?.[0]?.latency_us.p99 },
          { label: "p99 µs, node B's 500 (through Redis)", dir: "↓", digits: 0, pick: (m) => m.result.by_port?.[1]?.latency_us.p99 }
        ] satisfies BusMetric[])
      : []),
    publishesPerBroadcast,
    {
      label: "Redis → node messages per broadcast",
      dir: "",
      digits: 3,
      pick: (m) => perBroadcast(m, m.publishes !== undefined && m.subscribers !== undefined ? m.publishes * m.subscribers : undefined)
    },
    ...(cross ? [node(0, "node A (sender's)"), node(1, "node B")] : [node(0, "server")]),
    ...(cross ? [writes(0, "node A"), writes(1, "node B")] : [writes(0, "server")]),
    { label: "CPU cores: redis-server", dir: "", digits: 2, pick: (m) => (m.publishes !== undefined ? m.redisCores : undefined) },
    { label: "CPU cores: load generator", dir: "", digits: 2, pick: (m) => m.result.loadgen_cpu.cores },
    ...cpus.map((c): BusMetric => ({ label: `CPU ${c} busy (every process + softirq)`, dir: "", digits: 2, pick: (m) => m.cpuBusy?.[c] }))
  ]
}

const valid = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v)
const fmt = (v: number | undefined, digits: number): string =>
  !valid(v) ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

function medianOf(cell: BusCell | undefined, pick: (m: BusMeasurement) => number | undefined): number | undefined {
  if (!cell || cell.unavailable) return undefined
  return median(cell.runs.map(pick).filter(valid))
}

function cellText(cell: BusCell | undefined, metric: BusMetric): string {
  if (!cell) return "n/a"
  if (cell.unavailable) return "not available"
  const v = medianOf(cell, metric.pick)
  if (v === undefined) return cell.errors.length ? `failed (${cell.errors.length}×)` : "–"
  return fmt(v, metric.digits) + (cell.errors.length ? ` (${cell.errors.length} failed)` : "")
}

/** A / B: the median of the per-round ratios (the two runs of a round are adjacent in time). */
export function busRatio(
  a: BusCell | undefined,
  b: BusCell | undefined,
  pick: (m: BusMeasurement) => number | undefined
): number | undefined {
  if (!a || !b || a.unavailable || b.unavailable) return undefined
  const perRound: number[] = []
  for (const ma of a.runs) {
    const mb = b.runs.find((m) => m.round === ma.round)
    const va = pick(ma)
    const vb = mb ? pick(mb) : undefined
    if (valid(va) && valid(vb) && vb !== 0) perRound.push(va / vb)
  }
  return median(perRound)
}

/** The CPUs the runs ran on (the server's, Redis', the load generator's), for the busy rows. */
export function busTable(scenarios: readonly BusScenario[], results: BusResults, cpus: readonly string[] = []): string {
  const rows: string[] = []
  for (const sc of scenarios) {
    const cells = results.get(sc.name)
    const [a, b] = sc.sides
    const head = ["metric", busSides[a].label, busSides[b].label, sc.kind === "cross-node" ? "wspipe / socket.io" : "on / off"]
    rows.push(`**${sc.title}** (\`${sc.name}\`)`, "", `| ${head.join(" | ")} |`, "| --- | ---: | ---: | ---: |")
    for (const metric of metricsOf(sc, cpus)) {
      const r = metric.dir ? busRatio(cells?.get(a), cells?.get(b), metric.pick) : undefined
      rows.push(
        `| ${metric.label}${metric.dir ? ` ${metric.dir}` : ""} | ${cellText(cells?.get(a), metric)} | ${cellText(cells?.get(b), metric)} | ${r === undefined ? "–" : `${r.toFixed(2)}×`} |`
      )
    }
    rows.push("")
  }
  return rows.join("\n").trim()
}

/** The issue's targets, each with its number and met / missed. */
export function busTargets(scenarios: readonly BusScenario[], results: BusResults): string[] {
  const lines: string[] = []
  const mark = (ok: boolean) => (ok ? "**met**" : "**missed**")
  for (const sc of scenarios) {
    const cells = results.get(sc.name)
    const [a, b] = sc.sides
    const d = busRatio(cells?.get(a), cells?.get(b), deliveries.pick)
    if (sc.kind === "cross-node") {
      const l = busRatio(cells?.get(a), cells?.get(b), p99.pick)
      if (d !== undefined)
        lines.push(`${sc.name}: wspipe delivers ${d.toFixed(2)}× socket.io's deliveries/s (target ≥ 5×): ${mark(d >= 5)}`)
      if (l !== undefined) lines.push(`${sc.name}: wspipe's delivery p99 is ${l.toFixed(2)}× socket.io's (target ≤ 1×): ${mark(l <= 1)}`)
    } else if (d !== undefined) {
      lines.push(`${sc.name}: with the bus on, ${d.toFixed(2)}× the deliveries/s of the bus off (target ≥ 0.8×): ${mark(d >= 0.8)}`)
    }
    const bus = busSides[a]
    const ppb = medianOf(cells?.get(a), publishesPerBroadcast.pick)
    if (ppb !== undefined) {
      lines.push(
        `${sc.name}: ${bus.label === "wspipe" ? "wspipe" : "wspipe, bus on,"} sent ${ppb.toFixed(3)} PUBLISH per broadcast to ${bus.nodes === 2 ? "500 + 500" : "1000"} receivers (target: 1 per broadcast, each node's subscriber getting it once, not one per recipient): ${mark(Math.abs(ppb - 1) < 0.01)}`
      )
    }
  }
  return lines
}

/** Everything the bus suite measured, as written to bin/bus-results-latest.json. */
export interface BusSaved {
  readonly kind: "bus"
  readonly machine: ReturnType<typeof machineInfo> & { loadAfter?: string }
  readonly runs: number
  readonly seconds: number
  readonly warmup: number
  readonly cpus: { readonly server: string; readonly load: string; readonly redis: string }
  readonly results: Record<string, Record<string, BusCell>>
  readonly profile: string | null
}

export interface BusBenchOptions {
  readonly scenarioFilter: string | undefined
  readonly runs: number
  readonly seconds: number
  readonly warmup: number
  readonly loadgen: string
  readonly serverCpu: string
  readonly loadCpu: string
  readonly redisCpu: string
  readonly profile: boolean
  readonly writeDocs: boolean
  readonly from?: string
  readonly log: (line: string) => void
}

/** Runs (or with `from`, re-renders) the bus scenarios; prints the tables; writes the docs section when asked. */
export async function busBench(o: BusBenchOptions): Promise<void> {
  const scenarios = selectBusScenarios(o.scenarioFilter)
  if (o.from) return renderBus(JSON.parse(readFileSync(o.from, "utf8")) as BusSaved, scenarios, o)
  const cfg: BusRunConfig = {
    loadgen: o.loadgen,
    seconds: o.seconds,
    warmup: o.warmup,
    serverCpu: o.serverCpu,
    loadCpu: o.loadCpu,
    redisCpu: o.redisCpu
  }
  const machine = machineInfo()
  o.log(
    `wspipe bench, bus: ${scenarios.length} scenarios × 2 sides × ${o.runs} runs of ${o.seconds} s (+${o.warmup} s warm-up); servers on CPU ${o.serverCpu}, redis on ${o.redisCpu}, loadgen on ${o.loadCpu}; load average ${machine.load}`
  )
  const results = await runBusSuite(scenarios, o.runs, cfg, o.log)
  let profile: string | null = null
  if (o.profile) {
    const parts: string[] = []
    for (const { scenario, side, dirs, outcome } of await profileBus(scenarios, cfg, join(binDir, "profiles"), o.log)) {
      if (!outcome.ok) {
        parts.push(`#### ${scenario.title}\n\nNot profiled: ${outcome.error}`)
        continue
      }
      const w = outcome.m.result.window_mono_ns
      dirs.forEach((dir, i) => {
        const title = `${scenario.title}: ${side.nodes === 1 ? side.label : `node ${"AB"[i]}`} (${fmt(outcome.m.nodeCores[i], 2)} cores, ${fmt(outcome.m.result.deliveries_per_s, 0)} deliveries/s in this profiled run)`
        const summary = summariseProfiles(dir, 12, [w[0] / 1000, w[1] / 1000])
        parts.push(summary ? formatProfile(title, summary) : `#### ${title}\n\nNo .cpuprofile was written in ${dir}.`)
      })
    }
    profile = parts.join("\n\n")
  }
  const saved: BusSaved = {
    kind: "bus",
    machine: { ...machine, loadAfter: machineInfo().load },
    runs: o.runs,
    seconds: o.seconds,
    warmup: o.warmup,
    cpus: { server: o.serverCpu, load: o.loadCpu, redis: o.redisCpu },
    results: Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])),
    profile
  }
  mkdirSync(binDir, { recursive: true })
  const rawPath = join(binDir, "bus-results-latest.json")
  writeFileSync(rawPath, JSON.stringify(saved, null, 1))
  o.log(`raw bus results: ${rawPath}`)
  renderBus(saved, scenarios, o)
}

function renderBus(saved: BusSaved, wanted: readonly BusScenario[], o: BusBenchOptions): void {
  const results: BusResults = new Map(
    Object.entries(saved.results).map(([k, v]) => [k, new Map(Object.entries(v) as [BusSideId, BusCell][])])
  )
  const scenarios = wanted.filter((s) => results.has(s.name))
  const cpus = [...new Set([saved.cpus.server, saved.cpus.redis, saved.cpus.load])].filter((c) => /^\d+$/.test(c)).sort()
  const table = busTable(scenarios, results, cpus)
  const targets = busTargets(scenarios, results)
  const notes = [...results.entries()].flatMap(([name, cells]) =>
    [...cells.entries()].flatMap(([id, c]) => [
      ...(c.unavailable ? [`${name} / ${id}: ${c.unavailable}`] : []),
      ...c.errors.map((e) => `${name} / ${id}: ${e}`)
    ])
  )
  process.stdout.write(
    `\n${table}\n\nTargets:\n${targets.map((t) => `- ${t}`).join("\n")}\n${notes.length ? `\nNotes:\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}${saved.profile ? `\n${saved.profile}\n` : ""}`
  )
  if (!o.writeDocs) return
  const docs = join(repoRoot, "docs/benchmarks.md")
  writeBusSection(docs, busDocsBody(saved, table, targets, notes))
  o.log(`wrote the bus section of ${docs}`)
}

/** Replaces the text between the bus markers; appends the markers at the end the first time. */
export function writeBusSection(docsPath: string, body: string): void {
  const begin = "<!-- bus:begin -->"
  const end = "<!-- bus:end -->"
  const text = existsSync(docsPath) ? readFileSync(docsPath, "utf8") : ""
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i < 0 || j < i) writeFileSync(docsPath, `${text.trimEnd()}\n\n${begin}\n${body.trim()}\n${end}\n`)
  else writeFileSync(docsPath, `${text.slice(0, i + begin.length)}\n${body.trim()}\n${text.slice(j)}`)
}

function busDocsBody(saved: BusSaved, table: string, targets: string[], notes: string[]): string {
  const { machine, runs, seconds, warmup, cpus, profile } = saved
  return `## Cross-node benchmarks: the Redis bus, against socket.io's redis adapter

Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}, Node ${machine.node}, redis-server
(Debian's) on loopback (load average at start: ${machine.load}, at the end: ${machine.loadAfter ?? "not recorded"}).

Command: \`cd apps/bench && npx tsx src/main.ts --scenario bus --runs ${runs} --seconds ${seconds} --warmup ${warmup} --docs\` (the full
\`pnpm --filter @wspipe/bench bench\` runs these after the server scenarios and writes this section too; \`--profile\` adds the profiles below).

Method: one \`redis-server --save "" --appendonly no\` on a free port for the whole suite, shared by both sides. Every run
starts fresh server processes: for the cross-node rows two wspipe chat processes (\`apps/chat\`, bundled as in the
server benchmarks, each \`--redis\` to that Redis) or two socket.io 4.8 processes (\`apps/bench/servers/socketio-broadcast.mjs\`:
\`socket.broadcast.emit\` of every "m" event, \`@socket.io/redis-adapter\` 8 over two ioredis clients, WebSocket
transport only), each on its own port. The C load generator connects one sender and 1000 receivers: the sender and
500 receivers to node A, 500 receivers to node B (\`--port2\`), so every message reaches node B only through Redis.
socket.io is spoken by the load generator itself (\`--socketio\`: engine.io v4 over WebSocket, \`40\` to join, pings
answered, each message the text frame \`42["m","<payload>"]\` carrying the same 32 B / 1 KiB payload with its sequence
number and send time; wspipe gets the bare payload). "8 in flight": the sender keeps at most 8 messages that have not
yet reached all 1000 receivers, so each server runs at its own saturation with the same queue depth, and the latency
is measured under that load. The bus-cost rows run one chat process with 1000 receivers, with \`--redis\` and without.
Pinning: both server processes on CPU ${cpus.server}, redis-server on CPU ${cpus.redis}, the load generator on CPU ${cpus.load}
(\`taskset\`): the load generator keeps a CPU of its own, far from its limit (its CPU is in the tables); Redis, part of
what is measured, shares the servers' CPU, so its cost per message counts against the side that makes it work.
Sides alternate run by run (A B A B …); each cell is the median of ${runs} runs of ${seconds} s after ${warmup} s of warm-up; a
ratio is the median of the per-round ratios. CPU of every process comes from /proc/PID/stat over the measured window.
PUBLISH per broadcast: Redis' \`INFO commandstats\` (PUBLISH + SPUBLISH calls) before and after the load generator's
run, divided by the messages the sender sent in that run (warm-up included); Redis → node messages: that times the
connections subscribed in Redis during the window (\`CLIENT LIST\`; one per node on both sides).

${table}

Targets (from these numbers):

${targets.map((t) => `- ${t}`).join("\n")}
${notes.length ? `\nRuns that failed or could not start:\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
### Where wspipe's time goes (bus)

${
  profile
    ? `One extra wspipe run per scenario with every node under \`node --cpu-prof\` (not in the tables: the profiler slows it
down); only samples inside the measured window, idle left out.

${profile}`
    : "Not profiled in this run: `--scenario bus --profile` adds a `--cpu-prof` summary of each wspipe node."
}
`
}
