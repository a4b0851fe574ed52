// `pnpm bench`: runs wspipe, ws (plain and with its native addons) and a trivial C echo
// server through the same scenarios, one server at a time (server on CPU 0, the C load
// generator on CPU 1), alternating servers run by run, and reports medians and wspipe/ws ratios.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { binDir, buildC, buildWspipe } from "./build.js"
import { busBench } from "./bus-report.js"
import { selectBusScenarios } from "./bus.js"
import { deflateDocs, deflateReport, onOffTable, writeDeflateSection } from "./deflate-report.js"
import { isDeflateScenario } from "./deflate-scenarios.js"
import { buildWspipeOptions } from "./deflate-servers.js"
import { formatProfile, summariseProfiles } from "./profile.js"
import { type Cell, loadgenTable, loadgenVerdict, machineInfo, type Results, resultsTable, writeDocsSection } from "./report.js"
import { type RunConfig, runOne } from "./runner.js"
import { IDLE_CONNECTIONS, selectScenarios } from "./scenarios.js"
import { installCleanup, killAllChildren, repoRoot, type ServerId, serverSpecs } from "./servers.js"

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string" },
    seconds: { type: "string" },
    warmup: { type: "string" },
    quick: { type: "boolean", default: false },
    scenario: { type: "string" },
    servers: { type: "string" },
    profile: { type: "boolean", default: false },
    docs: { type: "boolean" },
    "no-docs": { type: "boolean", default: false },
    "idle-connections": { type: "string" },
    "server-cpu": { type: "string", default: "0" },
    "load-cpu": { type: "string", default: "1" },
    "redis-cpu": { type: "string" },
    from: { type: "string" },
    help: { type: "boolean", default: false }
  }
})

if (opts.help) {
  process.stdout.write(`usage: tsx src/main.ts [--runs 5] [--seconds 5] [--warmup 5] [--quick] [--scenario a,b]
       [--servers ws,ws-addons,wspipe,c-echo] [--profile] [--docs|--no-docs] [--idle-connections 10000]
  --quick      one short run per server and scenario (smoke test; does not write docs)
  --scenario   only scenarios whose name contains one of these (does not write docs)
  --profile    afterwards, run wspipe once per scenario under node --cpu-prof and summarise
  --from FILE  no runs: re-render the tables (and with --docs the docs) from a results JSON
  --scenario bus  the cross-node (Redis bus) scenarios alone (src/bus.ts; redis-server on --redis-cpu,
               default the server CPU); the full run includes them
`)
  process.exit(0)
}

const num = (v: string | undefined, fallback: number, name: string): number => {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`)
  return n
}
const runs = Math.round(num(opts.runs, opts.quick ? 1 : 5, "runs"))
const seconds = num(opts.seconds, opts.quick ? 1 : 5, "seconds")
// 5 s: V8's optimizing compiler is still busy with wspipe's code (its own and Effect's) for 3–5 s
// of load (`--trace-opt`: 79, 27, 8 functions in the first three seconds of 32 B echo; ws's 43 are
// done within the first), and it runs on the server's one CPU. A shorter warm-up measures start-up.
const warmup = opts.warmup === "0" ? 0 : num(opts.warmup, opts.quick ? 0.3 : 5, "warmup")
const writeDocs = opts.docs ?? (!opts["no-docs"] && !opts.from && !opts.quick && !opts.scenario && !opts.servers)
const log = (line: string) => process.stderr.write(`${line}\n`)

async function main(): Promise<void> {
  installCleanup()
  const bins = buildC(log)
  buildWspipe(log)
  buildWspipeOptions(log)
  const allSpecs = serverSpecs(bins.echoServer)
  const wanted = opts.servers?.split(",").map((s) => s.trim())
  const specs = wanted ? allSpecs.filter((s) => wanted.includes(s.id)) : allSpecs.filter((s) => !s.optIn)
  // A scenario that names its servers (the compression ones) runs those, still filtered by --servers.
  const specsOf = (sc: (typeof scenarios)[number]) =>
    sc.servers ? allSpecs.filter((s) => sc.servers!.includes(s.id) && (!wanted || wanted.includes(s.id))) : specs
  const scenarios = selectScenarios(opts.scenario)
  const bus = selectBusScenarios(opts.scenario)
  const runBus = () =>
    busBench({
      scenarioFilter: opts.scenario,
      runs,
      seconds,
      warmup,
      loadgen: bins.loadgen,
      serverCpu: opts["server-cpu"],
      loadCpu: opts["load-cpu"],
      redisCpu: opts["redis-cpu"] ?? opts["server-cpu"],
      profile: opts.profile,
      writeDocs,
      log,
      ...(opts.from ? { from: opts.from } : {})
    })
  if (scenarios.length === 0 && bus.length > 0) return runBus() // e.g. --scenario bus
  if (scenarios.length === 0) throw new Error(`no scenario matches --scenario ${opts.scenario}`)
  const cfg: RunConfig = {
    loadgen: bins.loadgen,
    seconds,
    warmup,
    serverCpu: opts["server-cpu"],
    loadCpu: opts["load-cpu"],
    idleConnections: Math.round(num(opts["idle-connections"], IDLE_CONNECTIONS, "idle-connections"))
  }
  if (opts.from) return render(JSON.parse(readFileSync(opts.from, "utf8")) as Saved, scenarios, specs)
  const machine = machineInfo()
  log(
    `wspipe bench: ${scenarios.length} scenarios × ${specs.length} servers × ${runs} runs of ${seconds} s (+${warmup} s warm-up); load average ${machine.load}`
  )

  const results: Results = new Map()
  for (const sc of scenarios) {
    const cells = new Map<ServerId, Cell>()
    results.set(sc.name, cells)
    for (let run = 1; run <= runs; run++) {
      for (const spec of specsOf(sc)) {
        if (!spec.command(sc.job, {})) continue // e.g. the C server has no broadcast
        const cell = cells.get(spec.id) ?? { runs: [], errors: [] }
        cells.set(spec.id, cell)
        if (cell.unavailable) continue
        const outcome = await runOne(sc, spec, cfg)
        if (outcome.ok) {
          cell.runs.push({ ...outcome.m, round: run })
          const main = sc.metrics[0]!
          log(
            `  ${sc.name} run ${run}/${runs} ${spec.label}: ${main.label} ${main.pick(outcome.m)?.toFixed(main.digits)} (loadgen ${outcome.m.result.loadgen_cpu.cores.toFixed(2)} cores, server ${outcome.m.serverCores.toFixed(2)} cores)`
          )
        } else if (outcome.unavailable) {
          cell.unavailable = outcome.error
          log(`  ${sc.name} ${spec.label}: ${outcome.error}`)
        } else {
          cell.errors.push(outcome.error)
          log(`  ${sc.name} run ${run}/${runs} ${spec.label}: FAILED: ${outcome.error}`)
        }
      }
    }
  }

  const profileText = opts.profile ? await profileWspipe(cfg) : null
  const saved: Saved = {
    machine: { ...machine, loadAfter: machineInfo().load },
    runs,
    seconds,
    warmup,
    results: Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])),
    profile: profileText
  }
  mkdirSync(binDir, { recursive: true })
  const rawPath = join(binDir, "results-latest.json")
  writeFileSync(rawPath, JSON.stringify(saved, null, 1))
  log(`raw results: ${rawPath}`)
  render(saved, scenarios, specs)
  if (bus.length > 0) await runBus()
}

/** Everything a run measured, as written to bin/results-latest.json. */
interface Saved {
  readonly machine: ReturnType<typeof machineInfo> & { loadAfter?: string }
  readonly runs: number
  readonly seconds: number
  readonly warmup: number
  readonly results: Record<string, Record<string, Cell>>
  readonly profile: string | null
}

function render(saved: Saved, scenarios: ReturnType<typeof selectScenarios>, specs: ReturnType<typeof serverSpecs>): void {
  // Files from before rounds were recorded: runs were appended round by round.
  const withRounds = (c: Cell): Cell => ({ ...c, runs: c.runs.map((m, i) => ({ ...m, round: m.round ?? i + 1 })) })
  const results: Results = new Map(
    Object.entries(saved.results).map(([k, v]) => [k, new Map(Object.entries(v).map(([id, c]) => [id as ServerId, withRounds(c)]))])
  )
  scenarios = scenarios.filter((s) => results.has(s.name))
  // The compression scenarios have servers of their own: their tables and docs section are separate.
  const compression = scenarios.filter(isDeflateScenario)
  scenarios = scenarios.filter((s) => !isDeflateScenario(s))
  const table = resultsTable(scenarios, specs, results)
  const lgTable = loadgenTable(scenarios, specs, results)
  const verdict = loadgenVerdict(specs, results)
  if (scenarios.length)
    process.stdout.write(
      `\n${table}\n\nLoad generator vs server CPU (median cores; each has one CPU):\n\n${lgTable}\n${verdict ? `\n${verdict}\n` : ""}`
    )
  const onOff = onOffTable(scenarios, results)
  if (onOff)
    process.stdout.write(
      `\nUncompressed scenarios, wspipe's default (deflate on; nothing offered) against perMessageDeflate: false:\n\n${onOff}\n`
    )
  if (compression.length) process.stdout.write(`\n${deflateReport(compression, serverSpecs(""), results)}\n`)
  const notes = [...results.entries()].flatMap(([name, cells]) =>
    [...cells.entries()].flatMap(([id, c]) => [
      ...(c.unavailable ? [`${name} / ${id}: ${c.unavailable}`] : []),
      ...c.errors.map((e) => `${name} / ${id}: ${e}`)
    ])
  )
  if (notes.length) process.stdout.write(`\nNotes:\n${notes.map((n) => `- ${n}`).join("\n")}\n`)
  if (saved.profile) process.stdout.write(`\n${saved.profile}\n`)

  if (writeDocs) {
    const docs = join(repoRoot, "docs/benchmarks.md")
    if (scenarios.length) {
      writeDocsSection(
        docs,
        docsBody(
          saved,
          table,
          lgTable,
          verdict,
          notes.filter((n) => !compression.some((c) => n.startsWith(`${c.name} /`)))
        )
      )
      log(`wrote the server section of ${docs}`)
    }
    if (compression.length) {
      writeDeflateSection(
        docs,
        deflateDocs(
          saved,
          compression,
          serverSpecs(""),
          results,
          notes.filter((n) => compression.some((c) => n.startsWith(`${c.name} /`)))
        )
      )
      log(`wrote the compression section of ${docs}`)
    }
  }
}

/** One extra wspipe run per scenario under --cpu-prof; not part of the table (the profiler slows it). */
async function profileWspipe(cfg: RunConfig): Promise<string> {
  const wspipe = serverSpecs("").find((s) => s.id === "wspipe")!
  const parts: string[] = []
  for (const sc of selectScenarios(opts.scenario).filter((s) => s.mode !== "idle")) {
    const dir = join(binDir, "profiles", sc.name)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    log(`  profiling wspipe: ${sc.name}`)
    const outcome = await runOne(sc, wspipe, { ...cfg, profileDir: dir })
    if (!outcome.ok) {
      parts.push(`#### ${sc.title}\n\nNot profiled: ${outcome.error}`)
      if (outcome.unavailable) break
      continue
    }
    const w = outcome.m.result.window_mono_ns
    const summary = summariseProfiles(dir, 15, [w[0] / 1000, w[1] / 1000])
    parts.push(summary ? formatProfile(sc.title, summary) : `#### ${sc.title}\n\nNo .cpuprofile was written in ${dir}.`)
  }
  return parts.join("\n\n")
}

function docsBody(saved: Saved, table: string, lgTable: string, verdict: string | null, notes: string[]): string {
  const { machine, runs, seconds, warmup, profile } = saved
  return `## Server benchmarks

Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}, Node ${machine.node}
(load average at start: ${machine.load}, at the end: ${machine.loadAfter ?? "not recorded"}. The machine is shared with other work:
when the load average is above the 2 cores, the pinned server and load generator also wait for CPU, which lowers
every row and widens the latency tails; the ratios, from runs interleaved in the same minutes, suffer less).

Command: \`pnpm --filter @wspipe/bench bench\` (= \`cd apps/bench && npx tsx src/main.ts --runs ${runs} --seconds ${seconds} --warmup ${warmup}\`;
\`--quick\` for a smoke run, \`--scenario NAME\` to filter, \`--profile\` for the profile below).

Method: each server is started fresh for every run (\`taskset -c 0\`) and driven by the C load generator
(\`apps/bench/loadgen\`, epoll, \`taskset -c 1\`) over loopback; servers alternate run by run (A B C D A B C D …)
and each cell is the median of ${runs} runs of ${seconds} s after ${warmup} s of warm-up. A ratio is the median over
the rounds of wspipe's result / ws's result in that round (adjacent runs, so slow changes of the machine's load
cancel out); ↑: higher is better, ↓: lower is better. Echoed payloads are verified (length,
connection id, sequence number, body); broadcast delivery latency comes from a send timestamp in each message.
"ws" runs with \`WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1\`; "ws+addons" loads \`bufferutil\` (on Node 20, ws
validates UTF-8 with \`buffer.isUtf8\` either way, so \`utf-8-validate\` is never loaded). wspipe runs the echo app
(\`apps/echo\`) and, for broadcast, the chat app (\`apps/chat\`), bundled with esbuild and run by plain \`node\` (as a compiled deployment would; see apps/bench/src/build.ts). RSS per idle connection is
(VmRSS with all ${IDLE_CONNECTIONS.toLocaleString("en")} connections up − VmRSS before) / connections.

${table}

### Is the load generator the bottleneck?

CPU used during each measured window (median, in cores: load generator / server; each has one CPU of its own),
from the load generator's getrusage and the server's /proc/PID/stat.
${verdict ? `\n${verdict}\n` : ""}
${lgTable}
${notes.length ? `\nRuns that failed or could not start:\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
### Where wspipe's time goes

${
  profile
    ? `One extra wspipe run per scenario under \`node --cpu-prof\` (not in the table: the profiler slows it down);
only samples inside the load generator's measured window count (no start-up), idle time left out.

${profile}`
    : "Not profiled in this session: run `cd apps/bench && npx tsx src/main.ts --profile` to add a `--cpu-prof` summary (self time by function and by area, summed over the samples)."
}
`
}

main()
  .catch((e: unknown) => {
    log(`bench failed: ${(e as Error).stack ?? String(e)}`)
    process.exitCode = 1
  })
  .finally(killAllChildren)
