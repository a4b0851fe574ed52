// The compression scenarios' tables (wspipe against ws with perMessageDeflate in the same run, Bun
// as measured earlier), the targets of the issue, and the "Compression" section of
// docs/benchmarks.md between its deflate markers.
import { readFileSync, writeFileSync } from "node:fs"
import type { Cell, Results } from "./report.js"
import { median, type Measurement, type Metric, type Scenario } from "./scenarios.js"
import type { ServerId, ServerSpec } from "./servers.js"

const fmt = (v: number | undefined, digits: number): string =>
  v === undefined || Number.isNaN(v) ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
const valid = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v)

function medianOf(cell: Cell | undefined, pick: (m: Measurement) => number | undefined): number | undefined {
  if (!cell || cell.unavailable) return undefined
  return median(cell.runs.map(pick).filter(valid))
}

/** a / b: the median of the per-round ratios (adjacent runs), else the ratio of the medians. */
function ratioOf(a: Cell | undefined, b: Cell | undefined, pick: (m: Measurement) => number | undefined): number | undefined {
  if (!a || !b || a.unavailable || b.unavailable) return undefined
  const perRound: number[] = []
  for (const ma of a.runs) {
    const mb = b.runs.find((m) => m.round !== undefined && m.round === ma.round)
    const va = pick(ma)
    const vb = mb ? pick(mb) : undefined
    if (valid(va) && valid(vb) && vb !== 0) perRound.push(va / vb)
  }
  if (perRound.length) return median(perRound)
  const ma = medianOf(a, pick)
  const mb = medianOf(b, pick)
  return ma !== undefined && mb !== undefined && mb !== 0 ? ma / mb : undefined
}

function cellText(cell: Cell | undefined, pick: (m: Measurement) => number | undefined, digits: number): string {
  if (!cell) return "n/a"
  if (cell.unavailable) return "not available"
  const v = medianOf(cell, pick)
  if (v === undefined) return cell.errors.length ? `failed (${cell.errors.length}×)` : "–"
  return fmt(v, digits) + (cell.errors.length ? ` (${cell.errors.length} failed)` : "")
}

/**
 * Measured before this work on this machine by an independent load generator (same scenario shapes,
 * offer `permessage-deflate; client_max_window_bits`, JSON-like text): Bun (uWS, shared compressor,
 * no context takeover). Bun is not installed here, so these are not from the same run.
 */
export const earlier: Record<string, { bun: Record<string, number>; ws: Record<string, number> }> = {
  "echo-1k-json-deflate-c100-d4": {
    bun: { "msgs/s": 42_000, "compression ratio, server → client": 4.0 },
    ws: { "msgs/s": 3_800, "compression ratio, server → client": 9.7 }
  },
  "echo-16k-json-deflate-c10-d1": { bun: { "msgs/s": 6_400 }, ws: { "msgs/s": 1_900 } },
  "broadcast-1k-json-deflate-r1000-f8": {
    bun: { "deliveries/s": 90_000, "delivery p50 µs": 81_000 },
    ws: { "deliveries/s": 7_700, "delivery p50 µs": 919_000 }
  },
  "idle-deflate-10k": { bun: { "RSS KiB/conn": 2.2 }, ws: { "RSS KiB/conn": 246 } }
}

const label = (specs: readonly ServerSpec[], id: ServerId): string => specs.find((s) => s.id === id)?.label ?? id

/** Echo and broadcast: ws perMessageDeflate | wspipe | wspipe/ws | Bun (earlier) | wspipe/Bun. */
export function throughputTable(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string {
  const head = [
    "scenario",
    "metric",
    label(specs, "ws-deflate"),
    label(specs, "wspipe"),
    "wspipe/ws",
    "Bun (reported in the issue, other run)",
    "wspipe/Bun"
  ]
  const rows = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`]
  for (const sc of scenarios.filter((s) => s.mode !== "idle" && s.servers?.includes("ws-deflate"))) {
    const cells = results.get(sc.name)
    const ws = cells?.get("ws-deflate")
    const wspipe = cells?.get("wspipe")
    sc.metrics.forEach((metric: Metric, i) => {
      const bun = earlier[sc.name]?.bun[metric.label]
      const mine = medianOf(wspipe, metric.pick)
      const r = ratioOf(wspipe, ws, metric.pick)
      rows.push(
        `| ${i === 0 ? sc.title : ""} | ${metric.label} ${metric.higherIsBetter ? "↑" : "↓"} | ${cellText(ws, metric.pick, metric.digits)} | ` +
          `${cellText(wspipe, metric.pick, metric.digits)} | ${r === undefined ? "–" : `${r.toFixed(2)}×`} | ${bun === undefined ? "" : fmt(bun, metric.digits)} | ` +
          `${bun === undefined || mine === undefined ? "" : `${(mine / bun).toFixed(2)}×`} |`
      )
    })
  }
  return rows.join("\n")
}

/** Idle: RSS per connection for every server and setting, and the cost of deflate over none. */
export function memoryTable(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string {
  const idle = scenarios.filter((s) => s.mode === "idle")
  const ids = [...new Set(idle.flatMap((s) => s.servers ?? []))]
  const head = ["scenario", "metric", ...ids.map((id) => label(specs, id)), "wspipe default − no deflate", "Bun (issue, other run)"]
  const rows = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`]
  for (const sc of idle) {
    const cells = results.get(sc.name)
    sc.metrics.forEach((metric, i) => {
      const on = medianOf(cells?.get("wspipe"), metric.pick)
      const off = medianOf(cells?.get("wspipe-no-deflate"), metric.pick)
      const extra = i === 0 && on !== undefined && off !== undefined ? `${on - off >= 0 ? "+" : ""}${fmt(on - off, 2)} KiB` : ""
      const bun = earlier[sc.name]?.bun[metric.label]
      rows.push(
        `| ${i === 0 ? sc.title : ""} | ${metric.label} ${metric.higherIsBetter ? "↑" : "↓"} | ${ids.map((id) => cellText(cells?.get(id), metric.pick, metric.digits)).join(" | ")} | ${extra} | ${bun === undefined ? "" : fmt(bun, metric.digits)} |`
      )
    })
  }
  return rows.join("\n")
}

/**
 * One row per wspipe setting: KiB per idle connection (10,000 idle, one message each), and the
 * ratio and rate under echo load (echo-1k-json-deflate-settings): the docs/limits.md table.
 */
export function settingsTable(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string | null {
  const load = scenarios.find((s) => s.name === "echo-1k-json-deflate-settings")
  const idle = scenarios.find((s) => s.name === "idle-deflate-10k")
  if (!load && !idle) return null
  const ids = [...new Set([...(load?.servers ?? []), ...(idle?.servers ?? [])])].filter((id) => id.startsWith("wspipe"))
  const rss = (m: Measurement) => m.rssPerConnKiB
  const pick = (sc: Scenario | undefined, label: string) => sc?.metrics.find((m) => m.label === label)?.pick ?? (() => undefined)
  const rows = [
    "| wspipe setting | RSS KiB per idle connection ↓ | ratio, 1 KiB JSON echo ↑ | msgs/s, 1 KiB JSON echo c=100 d=4 ↑ |",
    "| --- | ---: | ---: | ---: |"
  ]
  for (const id of ids) {
    const i = idle && results.get(idle.name)?.get(id)
    const l = load && results.get(load.name)?.get(id)
    rows.push(
      `| ${label(specs, id)} | ${i ? cellText(i, rss, 2) : "–"} | ${l ? cellText(l, pick(load, "compression ratio, server → client"), 2) : "–"} | ` +
        `${l ? cellText(l, pick(load, "msgs/s"), 0) : "–"} |`
    )
  }
  return rows.join("\n")
}

/** Median load generator / server cores per scenario and server: is the load generator the limit? */
export function cpuTable(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string {
  const ids = [...new Set(scenarios.flatMap((s) => s.servers ?? []))]
  const head = ["scenario", ...ids.map((id) => `${label(specs, id)}: loadgen / server cores`)]
  const rows = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`]
  for (const sc of scenarios) {
    const cells = results.get(sc.name)
    rows.push(
      `| ${sc.name} | ${ids
        .map((id) => {
          const c = cells?.get(id)
          const lg = medianOf(c, (m) => m.result.loadgen_cpu.cores)
          return lg === undefined
            ? "–"
            : `${lg.toFixed(2)} / ${fmt(
                medianOf(c, (m) => m.serverCores),
                2
              )}`
        })
        .join(" | ")} |`
    )
  }
  return rows.join("\n")
}

/** The issue's targets, each with what this run measured. */
export function targets(results: Results): string {
  const get = (sc: string, id: ServerId) => results.get(sc)?.get(id)
  const rate = (m: Measurement) => m.result.msgs_per_s
  const p50 = (m: Measurement) => m.result.latency_us?.p50
  const rss = (m: Measurement) => m.rssPerConnKiB
  const lines: string[] = []
  const row = (what: string, value: string, met: boolean | undefined) =>
    lines.push(`| ${what} | ${value} | ${met === undefined ? "not measured" : met ? "met" : "**missed**"} |`)
  const x = (v: number | undefined, d = 2) => (v === undefined ? "–" : `${v.toFixed(d)}×`)
  const e1 = ratioOf(get("echo-1k-json-deflate-c100-d4", "wspipe"), get("echo-1k-json-deflate-c100-d4", "ws-deflate"), rate)
  const e1Rate = medianOf(get("echo-1k-json-deflate-c100-d4", "wspipe"), rate)
  row(
    "echo 1 KiB JSON c=100 d=4 with deflate ≥ 5× ws perMessageDeflate",
    `${x(e1)} (${fmt(e1Rate, 0)} msgs/s; Bun 42,000 reported in the issue, other run: ${x(e1Rate && e1Rate / 42_000)})`,
    e1 === undefined ? undefined : e1 >= 5
  )
  const b = "broadcast-1k-json-deflate-r1000-f8"
  const bRatio = ratioOf(get(b, "wspipe"), get(b, "ws-deflate"), rate)
  const bRate = medianOf(get(b, "wspipe"), rate)
  const bP50 = medianOf(get(b, "wspipe"), p50)
  row("broadcast 1 KiB JSON → 1000, 8 in flight, ≥ 20× ws perMessageDeflate", x(bRatio), bRatio === undefined ? undefined : bRatio >= 20)
  row(
    "… and ≥ 1.5× Bun (90,000 deliveries/s reported in the issue, other run)",
    `${fmt(bRate, 0)}/s = ${x(bRate && bRate / 90_000)} Bun`,
    bRate === undefined ? undefined : bRate >= 135_000
  )
  row("… delivery p50 below Bun's 81 ms", `${fmt(bP50 && bP50 / 1000, 1)} ms`, bP50 === undefined ? undefined : bP50 < 81_000)
  for (const sc of ["idle-deflate-5k", "idle-deflate-10k"]) {
    const on = medianOf(get(sc, "wspipe"), rss)
    const off = medianOf(get(sc, "wspipe-no-deflate"), rss)
    const d = on !== undefined && off !== undefined ? on - off : undefined
    row(
      `${sc}: default deflate costs ≤ 1 KiB more per idle connection than none`,
      `${fmt(on, 2)} − ${fmt(off, 2)} = ${d === undefined ? "–" : `${d >= 0 ? "+" : ""}${d.toFixed(2)} KiB`}`,
      d === undefined ? undefined : d <= 1
    )
  }
  return ["| target | measured | |", "| --- | --- | --- |", ...lines].join("\n")
}

/** Everything above, as printed after a run. */
export function deflateReport(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string {
  const parts = [`Compression (permessage-deflate):\n\n${throughputTable(scenarios, specs, results)}`]
  if (scenarios.some((s) => s.mode === "idle")) parts.push(memoryTable(scenarios, specs, results))
  const perSetting = settingsTable(scenarios, specs, results)
  if (perSetting) parts.push(`Per setting:\n\n${perSetting}`)
  parts.push(`Load generator vs server CPU:\n\n${cpuTable(scenarios, specs, results)}`, `Targets:\n\n${targets(results)}`)
  return parts.join("\n\n")
}

/**
 * The uncompressed scenarios with wspipe's default (deflate on: the clients offer nothing, so
 * nothing is compressed) against `perMessageDeflate: false`, when a run had both.
 */
export function onOffTable(scenarios: readonly Scenario[], results: Results): string | null {
  const both = scenarios.filter((s) => results.get(s.name)?.has("wspipe") && results.get(s.name)?.has("wspipe-no-deflate"))
  if (both.length === 0) return null
  const rows = [
    "| scenario | metric | wspipe (default: deflate on) | wspipe perMessageDeflate: false | on / off |",
    "| --- | --- | ---: | ---: | ---: |"
  ]
  for (const sc of both) {
    const cells = results.get(sc.name)!
    sc.metrics.forEach((metric, i) => {
      const r = ratioOf(cells.get("wspipe"), cells.get("wspipe-no-deflate"), metric.pick)
      rows.push(
        `| ${i === 0 ? sc.title : ""} | ${metric.label} ${metric.higherIsBetter ? "↑" : "↓"} | ${cellText(cells.get("wspipe"), metric.pick, metric.digits)} | ${cellText(cells.get("wspipe-no-deflate"), metric.pick, metric.digits)} | ${r === undefined ? "–" : `${r.toFixed(2)}×`} |`
      )
    })
  }
  return rows.join("\n")
}

/** Replaces the text between the deflate markers (added at the end when the file has none). */
export function writeDeflateSection(docsPath: string, body: string): void {
  const begin = "<!-- deflate:begin -->"
  const end = "<!-- deflate:end -->"
  const text = readFileSync(docsPath, "utf8")
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i < 0 || j < i) writeFileSync(docsPath, `${text.trimEnd()}\n\n${begin}\n${body.trim()}\n${end}\n`)
  else writeFileSync(docsPath, `${text.slice(0, i + begin.length)}\n${body.trim()}\n${text.slice(j)}`)
}

/** The generated part of the docs' compression section. */
export function deflateDocs(
  info: {
    machine: { date: string; cpu: string; cores: number; kernel: string; node: string; load: string; loadAfter?: string }
    runs: number
    seconds: number
    warmup: number
  },
  scenarios: readonly Scenario[],
  specs: readonly ServerSpec[],
  results: Results,
  notes: readonly string[]
): string {
  const { machine, runs, seconds, warmup } = info
  return `## Compression (permessage-deflate)

Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}, Node ${machine.node}
(load average at start: ${machine.load}, at the end: ${machine.loadAfter ?? "not recorded"}).

Command: \`cd apps/bench && npx tsx src/main.ts --scenario deflate --runs ${runs} --seconds ${seconds} --warmup ${warmup} --docs\`
(the full \`pnpm bench\` runs these too).

Method: as for the server benchmarks above (fresh server per run on CPU 0, the C load generator on CPU 1,
servers alternating run by run, medians of ${runs} runs of ${seconds} s after ${warmup} s of warm-up, ratios the median of
the per-round ratios). The load generator sends JSON (\`loadgen --json\`: batches of chat messages or
order-book updates with random ids, prices, timestamps and words, exactly 1 KiB or 16 KiB, fixed seed) and
offers what a browser offers, \`permessage-deflate; client_max_window_bits\` (\`--deflate\`); it compresses
with zlib at Chromium's settings (level 6, memLevel 8), with context takeover unless the server answers
\`client_no_context_takeover\`, and checks every echo (byte for byte) and every broadcast (sequence and body)
after inflating it. wspipe runs its echo and chat apps with the defaults (\`server_no_context_takeover;
client_no_context_takeover\`, level 1, 1 KiB threshold); "ws perMessageDeflate" is
\`apps/bench/servers/ws-echo-deflate.mjs\` / \`ws-broadcast-deflate.mjs\` (\`perMessageDeflate: true\`: context
takeover both ways, ws's defaults; bufferutil loaded); the other wspipe settings run the same handlers
through \`apps/bench/servers/wspipe-options.ts\`. "compression ratio" is bytes inflated / bytes on the wire
for what the server sent. The Bun column is as reported in the issue (2026-12-03, other run, not our measurement;
Bun is not installed here).

${throughputTable(scenarios, specs, results)}

Memory: RSS of the server with all connections up, each having sent one 1 KiB JSON message and received
its echo (compressed where deflate was agreed; "ws" and "perMessageDeflate: false" decline the offer),
minus RSS before, per connection:

${memoryTable(scenarios, specs, results)}

Targets of the issue:

${targets(results)}

Load generator and server CPU (median cores; each has one CPU). Without context takeover the load
generator sends precompressed messages and does not inflate again bytes it has already inflated
(\`loadgen/pmd.h\`); with ws (takeover) it compresses and inflates every message in the connection's own
context:

${cpuTable(scenarios, specs, results)}
${notes.length ? `\nRuns that failed or could not start:\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}`
}
