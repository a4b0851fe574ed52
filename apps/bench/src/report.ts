// Turns the runs into the results table (medians, wspipe/ws ratios from the same session),
// the load generator CPU table, and the server section of docs/benchmarks.md.
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg, release } from "node:os"
import { median, type Measurement, type Scenario } from "./scenarios.js"
import type { ServerId, ServerSpec } from "./servers.js"

export type Cell = { readonly runs: Measurement[]; readonly errors: string[]; unavailable?: string }
export type Results = Map<string, Map<ServerId, Cell>>

const fmt = (v: number | undefined, digits: number): string =>
  v === undefined || Number.isNaN(v) ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

function cellText(cell: Cell | undefined, pick: (m: Measurement) => number | undefined, digits: number): string {
  if (!cell) return "n/a"
  if (cell.unavailable) return "not available"
  const v = median(cell.runs.map(pick).filter((x): x is number => x !== undefined && !Number.isNaN(x)))
  if (v === undefined) return cell.errors.length ? `failed (${cell.errors.length}×)` : "–"
  const failures = cell.errors.length ? ` (${cell.errors.length} failed)` : ""
  return fmt(v, digits) + failures
}

function medianOf(cell: Cell | undefined, pick: (m: Measurement) => number | undefined): number | undefined {
  if (!cell || cell.unavailable) return undefined
  return median(cell.runs.map(pick).filter((x): x is number => x !== undefined && !Number.isNaN(x)))
}

/**
 * wspipe / other: the median of the per-round ratios (runs of one round are adjacent in time, so
 * the machine's slow load changes cancel); the ratio of the medians when rounds are unknown.
 */
function ratio(a: Cell | undefined, b: Cell | undefined, pick: (m: Measurement) => number | undefined): string {
  if (!a || !b || a.unavailable || b.unavailable) return "–"
  const valid = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v)
  const perRound: number[] = []
  for (const ma of a.runs) {
    const mb = b.runs.find((m) => m.round !== undefined && m.round === ma.round)
    const va = pick(ma)
    const vb = mb ? pick(mb) : undefined
    if (valid(va) && valid(vb) && vb !== 0) perRound.push(va / vb)
  }
  const r = perRound.length ? median(perRound) : undefined
  const fallback = (() => {
    const ma = medianOf(a, pick)
    const mb = medianOf(b, pick)
    return ma !== undefined && mb !== undefined && mb !== 0 ? ma / mb : undefined
  })()
  const v = r ?? fallback
  return v === undefined ? "–" : `${v.toFixed(2)}×`
}

export function resultsTable(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string {
  const head = ["scenario", "metric", ...specs.map((s) => s.label), "wspipe/ws", "wspipe/ws+addons"]
  const rows = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`]
  for (const sc of scenarios) {
    const cells = results.get(sc.name)
    sc.metrics.forEach((metric, i) => {
      const wspipe = cells?.get("wspipe")
      rows.push(
        `| ${i === 0 ? sc.title : ""} | ${metric.label} ${metric.higherIsBetter ? "↑" : "↓"} | ${specs
          .map((s) => cellText(cells?.get(s.id), metric.pick, metric.digits))
          .join(" | ")} | ${ratio(wspipe, cells?.get("ws"), metric.pick)} | ${ratio(wspipe, cells?.get("ws-addons"), metric.pick)} |`
      )
    })
  }
  return rows.join("\n")
}

/** How hard the load generator itself worked (median cores of its one CPU, ns of its CPU per message). */
export function loadgenTable(scenarios: readonly Scenario[], specs: readonly ServerSpec[], results: Results): string {
  const head = ["scenario", ...specs.map((s) => `${s.label}: loadgen cores / server cores`)]
  const rows = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`]
  for (const sc of scenarios) {
    const cells = results.get(sc.name)
    rows.push(
      `| ${sc.name} | ${specs
        .map((s) => {
          const c = cells?.get(s.id)
          const lg = medianOf(c, (m) => m.result.loadgen_cpu.cores)
          const sv = medianOf(c, (m) => m.serverCores)
          const ns = medianOf(c, (m) => m.result.loadgen_cpu.ns_per_msg || undefined)
          if (lg === undefined) return "–"
          return `${lg.toFixed(2)} / ${fmt(sv, 2)}${s.id === "c-echo" && ns ? ` (${fmt(ns, 0)} ns/msg)` : ""}`
        })
        .join(" | ")} |`
    )
  }
  return rows.join("\n")
}

export function machineInfo(): { cpu: string; cores: number; node: string; kernel: string; load: string; date: string } {
  let cpu = cpus()[0]?.model ?? "unknown"
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu
  } catch {
    // not Linux: os.cpus() is fine
  }
  return {
    cpu,
    cores: cpus().length,
    node: process.version,
    kernel: release(),
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(", "),
    date: new Date().toISOString().replace("T", " ").slice(0, 16) + " UTC"
  }
}

/** Replaces only the text between the server markers; the codec section is someone else's. */
export function writeDocsSection(docsPath: string, body: string): void {
  const begin = "<!-- server:begin -->"
  const end = "<!-- server:end -->"
  const text = readFileSync(docsPath, "utf8")
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`${docsPath} has no ${begin} … ${end} section`)
  writeFileSync(docsPath, `${text.slice(0, i + begin.length)}\n${body.trim()}\n${text.slice(j)}`)
}

/**
 * The evidence, in words, from the 32 B × 100 × 10 echo run: how much of its CPU the load
 * generator needed per message against the C server, against the fastest Node server's rate.
 */
export function loadgenVerdict(specs: readonly ServerSpec[], results: Results): string | null {
  const cells = results.get("echo-32b-c100-d10")
  const c = cells?.get("c-echo")
  const cRate = medianOf(c, (m) => m.result.msgs_per_s)
  const cCores = medianOf(c, (m) => m.result.loadgen_cpu.cores)
  const ns = medianOf(c, (m) => m.result.loadgen_cpu.ns_per_msg || undefined)
  if (!cells || cRate === undefined || cCores === undefined || ns === undefined) return null
  const node = specs
    .filter((s) => s.id !== "c-echo")
    .map((s) => ({
      label: s.label,
      rate: medianOf(cells.get(s.id), (m) => m.result.msgs_per_s),
      cores: medianOf(cells.get(s.id), (m) => m.result.loadgen_cpu.cores)
    }))
    .filter((x): x is { label: string; rate: number; cores: number } => x.rate !== undefined && x.cores !== undefined)
    .sort((a, b) => b.rate - a.rate)[0]
  const capacity = 1e9 / ns
  return (
    `In the 32 B echo at 100 × 10, against the C echo server the load generator did ${fmt(cRate, 0)} msgs/s using ` +
    `${cCores.toFixed(2)} of its CPU (${fmt(ns, 0)} ns of its CPU per message, so one core of it can drive about ` +
    `${fmt(capacity, 0)} msgs/s)` +
    (node
      ? `; the fastest Node server, ${node.label}, did ${fmt(node.rate, 0)} msgs/s, ${(capacity / node.rate).toFixed(1)}× below that, with the load generator using ${node.cores.toFixed(2)} of its CPU.`
      : ".")
  )
}
