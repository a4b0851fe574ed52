/**
 * The Prometheus text exposition format 0.0.4 of Effect `Metric` snapshots, with no dependency:
 * the server's metrics already live in Effect's registry, so a scrape renders `Metric.snapshot`
 * (plus a few process gauges) instead of keeping a second registry in step.
 *
 * Naming (Prometheus and OpenMetrics conventions): a counter's samples end in `_total` (added
 * unless the Effect name already ends so: `wspipe_messages_in` → `wspipe_messages_in_total`,
 * `wspipe_connections_total` stays); a frequency is a counter with one label for its key
 * (`wspipe_close_codes_total{code="1000"}`); gauges keep their name; histograms and summaries
 * get `_bucket`/`_sum`/`_count` series. Attributes become labels. Characters Prometheus does not
 * allow in names become `_`.
 */
import type * as PerfHooks from "node:perf_hooks"
import { Effect, Metric } from "effect"
import { metrics } from "./metrics.js"

/** The `Content-Type` of the exposition (Prometheus text format 0.0.4). */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

/** The label each of wspipe's frequencies puts its key under; others use `key`. */
const wspipeFrequencyLabels: Readonly<Record<string, string>> = {
  wspipe_close_codes: "code",
  wspipe_close_origins: "origin",
  wspipe_handshake_rejections: "status"
}

/** Options of {@link render}. */
export interface RenderOptions {
  /** Label name per frequency id (its keys' label); wspipe's own are preset, the fallback is `key`. */
  readonly frequencyLabels?: Readonly<Record<string, string>>
}

type Labels = ReadonlyArray<readonly [string, string]>

interface Family {
  readonly name: string
  readonly type: "counter" | "gauge" | "histogram" | "summary"
  readonly help: string
  readonly samples: Array<{ readonly key: string; readonly lines: Array<string> }>
}

/** Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
const metricName = (id: string): string => {
  const name = id.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[0-9]/.test(name) ? `_${name}` : name
}
/** Label names: `[a-zA-Z_][a-zA-Z0-9_]*`. */
const labelName = (name: string): string => {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, "_")
  return /^[0-9]/.test(clean) || clean === "" ? `_${clean}` : clean
}
/** Label values: backslash, double quote and line feed are escaped (format 0.0.4). */
const escapeLabelValue = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
/** HELP text: backslash and line feed are escaped. */
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const formatValue = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Infinity) return "+Inf"
  if (value === -Infinity) return "-Inf"
  return String(value)
}

const labelText = (labels: Labels): string =>
  labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`

const sample = (name: string, labels: Labels, value: number | bigint): string => `${name}${labelText(labels)} ${formatValue(value)}`

const attributeLabels = (attributes: Metric.Metric.AttributeSet | undefined): Array<[string, string]> =>
  Object.entries(attributes ?? {})
    .map(([k, v]) => [labelName(k), String(v)] as [string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

const counterName = (id: string): string => {
  const name = metricName(id)
  return name.endsWith("_total") ? name : `${name}_total`
}

const familyOf = (snapshot: Metric.Metric.Snapshot, frequencyLabels: Readonly<Record<string, string>>): Family => {
  const help = snapshot.description ?? `${snapshot.id} (Effect ${snapshot.type})`
  const labels = attributeLabels(snapshot.attributes)
  const key = labelText(labels)
  switch (snapshot.type) {
    case "Counter": {
      const name = counterName(snapshot.id)
      return { name, type: "counter", help, samples: [{ key, lines: [sample(name, labels, snapshot.state.count)] }] }
    }
    case "Gauge": {
      const name = metricName(snapshot.id)
      return { name, type: "gauge", help, samples: [{ key, lines: [sample(name, labels, snapshot.state.value)] }] }
    }
    case "Frequency": {
      const name = counterName(snapshot.id)
      const label = labelName(frequencyLabels[snapshot.id] ?? wspipeFrequencyLabels[snapshot.id] ?? "key")
      const others = labels.filter(([k]) => k !== label)
      const samples = [...snapshot.state.occurrences].map(([word, count]) => {
        const all = [...others, [label, word] as const].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        return { key: labelText(all), lines: [sample(name, all, count)] }
      })
      return { name, type: "counter", help, samples }
    }
    case "Histogram": {
      const name = metricName(snapshot.id)
      const { buckets, count, sum } = snapshot.state
      const lines = buckets.map(([le, n]) => sample(`${name}_bucket`, [...labels, ["le", formatValue(le)]], n))
      if (buckets.length === 0 || buckets[buckets.length - 1]![0] !== Infinity) {
        lines.push(sample(`${name}_bucket`, [...labels, ["le", "+Inf"]], count))
      }
      lines.push(sample(`${name}_sum`, labels, sum), sample(`${name}_count`, labels, count))
      return { name, type: "histogram", help, samples: [{ key, lines }] }
    }
    case "Summary": {
      const name = metricName(snapshot.id)
      const { quantiles, count, sum } = snapshot.state
      const lines = quantiles.map(([q, v]) => sample(name, [...labels, ["quantile", formatValue(q)]], v ?? NaN))
      lines.push(sample(`${name}_sum`, labels, sum), sample(`${name}_count`, labels, count))
      return { name, type: "summary", help, samples: [{ key, lines }] }
    }
  }
}

/**
 * Renders metric snapshots as Prometheus text (format 0.0.4): per family one `# HELP`, one
 * `# TYPE`, then its samples; families sorted by name and series by labels, so two scrapes list
 * the same series in the same order. Series of one name (different attributes) form one family;
 * a snapshot whose name is taken by a family of another type is left out.
 *
 * @example
 * ```ts
 * import { Metrics } from "@wspipe/server"
 * import { Effect, Metric } from "effect"
 *
 * const text = Effect.map(Metric.snapshot, (snapshots) => Metrics.render(snapshots))
 * // # HELP wspipe_close_codes_total Close codes of ended connections
 * // # TYPE wspipe_close_codes_total counter
 * // wspipe_close_codes_total{code="1000"} 3
 * ```
 */
export const render = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>, options: RenderOptions = {}): string => {
  const families = new Map<string, Family>()
  for (const snapshot of snapshots) addFamily(families, familyOf(snapshot, options.frequencyLabels ?? {}))
  return renderFamilies(families)
}

const addFamily = (families: Map<string, Family>, family: Family): void => {
  const existing = families.get(family.name)
  if (existing === undefined) families.set(family.name, { ...family, samples: [...family.samples] })
  else if (existing.type === family.type) {
    for (const s of family.samples) if (!existing.samples.some((e) => e.key === s.key)) existing.samples.push(s)
  }
}

const renderFamilies = (families: ReadonlyMap<string, Family>): string => {
  const out: Array<string> = []
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name)!
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`)
    for (const s of [...family.samples].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) out.push(...s.lines)
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}

/**
 * wspipe's metrics as they read before any traffic: counters at 0, the open-connections gauge
 * and the three queue depths at 0, the frequencies with no key yet. A scrape always lists every
 * family, and a counter's first increment is visible to `rate()` (it was 0 before, not absent).
 * `wspipe_actor_restarts` has no series until a restart (its labels name the actor).
 */
const baseline = (): Array<Metric.Metric.Snapshot> => {
  const out: Array<Metric.Metric.Snapshot> = []
  for (const m of Object.values(metrics) as Array<Metric.Metric<never, unknown>>) {
    const meta = { id: m.id, description: m.description, attributes: undefined }
    if (m === metrics.actorRestarts) continue
    if (m === metrics.queueDepth) {
      for (const queue of ["receiver", "handler", "sender"]) {
        out.push({ ...meta, type: "Gauge", attributes: { queue }, state: { value: 0 } })
      }
    } else if (m.type === "Counter") out.push({ ...meta, type: "Counter", state: { count: 0, incremental: false } })
    else if (m.type === "Gauge") out.push({ ...meta, type: "Gauge", state: { value: 0 } })
    else if (m.type === "Frequency") out.push({ ...meta, type: "Frequency", state: { occurrences: new Map() } })
  }
  return out
}

/** Snapshots first; a baseline entry only where the registry has no series of that name and labels yet. */
const withBaseline = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>): Array<Metric.Metric.Snapshot> => {
  const seen = new Set(snapshots.map((s) => `${s.id}${labelText(attributeLabels(s.attributes))}`))
  return [...snapshots, ...baseline().filter((b) => !seen.has(`${b.id}${labelText(attributeLabels(b.attributes))}`))]
}

const startTimeSeconds = performance.timeOrigin / 1000

/** Process gauges and counters (names as Prometheus client libraries spell them). */
const processFamilies = (lag: PerfHooks.IntervalHistogram | undefined): Array<Family> => {
  const memory = process.memoryUsage()
  const cpu = process.cpuUsage()
  const one = (name: string, type: "counter" | "gauge", help: string, value: number): Family => ({
    name,
    type,
    help,
    samples: [{ key: "", lines: [sample(name, [], value)] }]
  })
  const families = [
    one("process_cpu_user_seconds_total", "counter", "User CPU time spent, in seconds", cpu.user / 1e6),
    one("process_cpu_system_seconds_total", "counter", "System CPU time spent, in seconds", cpu.system / 1e6),
    one("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds", (cpu.user + cpu.system) / 1e6),
    one("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes", memory.rss),
    one("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds", Math.round(startTimeSeconds)),
    one("process_uptime_seconds", "gauge", "Seconds since the process started", Math.round(process.uptime())),
    one("nodejs_heap_size_total_bytes", "gauge", "V8 heap committed, in bytes", memory.heapTotal),
    one("nodejs_heap_size_used_bytes", "gauge", "V8 heap in use, in bytes", memory.heapUsed),
    one("nodejs_external_memory_bytes", "gauge", "Memory of C++ objects bound to JavaScript (Buffers included), in bytes", memory.external)
  ]
  if (lag !== undefined) {
    // Since the previous scrape (the histogram is reset after each read, as prom-client does).
    const seconds = (ns: number) => (Number.isFinite(ns) && lag.count > 0 ? ns / 1e9 : 0)
    families.push(
      one(
        "nodejs_eventloop_lag_p50_seconds",
        "gauge",
        "Median event loop delay since the previous scrape, in seconds",
        seconds(lag.percentile(50))
      ),
      one(
        "nodejs_eventloop_lag_p99_seconds",
        "gauge",
        "99th percentile event loop delay since the previous scrape, in seconds",
        seconds(lag.percentile(99))
      ),
      one("nodejs_eventloop_lag_max_seconds", "gauge", "Largest event loop delay since the previous scrape, in seconds", seconds(lag.max))
    )
    lag.reset()
  }
  return families
}

/**
 * Renders wspipe's metrics, every other metric of the registry and the process metrics, from
 * plain values (no Effect): what the `/metrics` endpoint answers. `lag`, when given, adds the
 * event loop delay since the previous call (and resets it).
 *
 * @example
 * ```ts
 * const text = exposition([]) // the process metrics, and wspipe's own at 0
 * ```
 */
export const exposition = (
  snapshots: ReadonlyArray<Metric.Metric.Snapshot>,
  lag?: PerfHooks.IntervalHistogram,
  options: RenderOptions = {}
): string => {
  const families = new Map<string, Family>()
  for (const family of processFamilies(lag)) families.set(family.name, family)
  for (const snapshot of withBaseline(snapshots)) addFamily(families, familyOf(snapshot, options.frequencyLabels ?? {}))
  return renderFamilies(families)
}

/**
 * The whole exposition for the current registry: wspipe's metrics (at 0 before any traffic),
 * every other Effect metric, and process metrics (CPU, resident memory, heap, start time,
 * uptime). Serve it yourself with {@link contentType}, or let `Metrics.serve` do it.
 *
 * @example
 * ```ts
 * import { Metrics } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const text = yield* Metrics.prometheus
 *   yield* Effect.log(text.split("\n").find((line) => line.startsWith("wspipe_connections_open")))
 * })
 * ```
 */
export const prometheus: Effect.Effect<string> = Effect.map(Metric.snapshot, (snapshots) => exposition(snapshots))
