/**
 * `pnpm soak [--minutes 10] [--connections 10000] [--warmup 2] [--seed S] [--think-min 200]
 * [--think-max 2000] [--deflate] [--docs no]`
 *
 * The echo app runs as a child process pinned to CPU 0 (`taskset`), this client on CPU 1. Every
 * connection slot loops: connect, exchange 1–60 messages (bursts of 1–4 pipelined, some fragmented,
 * random TCP splits), close with 1000, reconnect. Every echo is checked (sequence, checksum, kind,
 * length, connection id). The server's RSS is read from /proc/<pid>/status every 10 s; drift is the
 * growth of the least-squares trend through the samples after the warm-up, relative to their mean.
 * `--deflate`: every slot offers permessage-deflate (lib/deflate.ts) and, where the server agrees (the
 * echo app does by default), sends every message compressed; results go to the `soak-deflate` section.
 */
import { fileURLToPath } from "node:url"
import { parseFlags, num, fail } from "./lib/args.js"
import { fdLimit, pinSelf, rssOf, startEcho } from "./lib/child.js"
import { stopWatchdog } from "./lib/conn.js"
import { fmt, mib, pct, writeSection } from "./lib/report.js"
import { randomSeed, Rng } from "./lib/rng.js"
import { Gate, newStats, runSlot, type SoakStats } from "./soak-session.js"

const flags = parseFlags(process.argv.slice(2), [
  "minutes",
  "connections",
  "warmup",
  "seed",
  "think-min",
  "think-max",
  "docs",
  "strict",
  "trace-gc",
  "mem-probe",
  "server-flags",
  "deflate"
])
const minutes = num(flags, "minutes", 10)
const warmupMin = num(flags, "warmup", Math.min(2, minutes / 5))
let connections = Math.floor(num(flags, "connections", 10_000))
const seed = flags["seed"] !== undefined ? num(flags, "seed", 0) >>> 0 : randomSeed()
const thinkMs = [num(flags, "think-min", 1000), num(flags, "think-max", 4000)] as const
const deflate = flags["deflate"] !== undefined && flags["deflate"] !== "no"
const SAMPLE_MS = 10_000
const FD_MARGIN = 200

const limit = fdLimit()
if (limit < connections + FD_MARGIN) {
  const fit = Math.max(0, Math.floor(limit - FD_MARGIN))
  const message =
    `ulimit -n is ${limit}; ${connections} connections need ${connections + FD_MARGIN} file ` +
    `descriptors in this process and in the server (raise it with \`ulimit -n ${connections + FD_MARGIN}\`)`
  if (flags["strict"] !== undefined || fit < 1) fail(message)
  process.stderr.write(`warning: ${message}; running ${fit} connections instead\n`)
  connections = fit
}

interface Mem {
  rss: number
  heapTotal: number
  heapUsed: number
  external: number
  arrayBuffers: number
}
interface Sample {
  t: number
  rss: number
  open: number
  msgs: number
  heap: number | undefined
  mem: Mem | undefined
}

/** With --trace-gc: the server's V8 heap (MB) right after its latest Mark-Compact (live data). */
let liveHeapMb: number | undefined
const traceGc = flags["trace-gc"] !== undefined
/** With --mem-probe: the server's latest process.memoryUsage() (lib/mem-probe.cjs). */
let lastMem: Mem | undefined
const memProbe = flags["mem-probe"] !== undefined
/** --server-flags "…": extra Node/V8 flags for the echo server (e.g. GC tuning experiments). */
const serverFlags = (flags["server-flags"] ?? "").split(" ").filter((f) => f !== "")
const onServerLine = (line: string): void => {
  // V8's --trace-gc output is block-buffered C stdio on the same pipe: our probe line may start
  // in the middle of one of its lines, so search for it rather than expecting it at the start.
  const at = line.indexOf("wspipe-mem {")
  if (at >= 0) {
    const end = line.indexOf("}", at)
    if (end > at) {
      try {
        lastMem = JSON.parse(line.slice(at + 11, end + 1)) as Mem
      } catch {
        // a torn line: keep the previous sample
      }
    }
    return
  }
  // e.g. "[123:0x…]   5012 ms: Mark-Compact 210.3 (230.1) -> 180.2 (228.0) MB, …"
  const m = /Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line)
  if (m !== null) liveHeapMb = Number(m[1])
}

const main = async (): Promise<void> => {
  const nodeFlags = [
    ...(traceGc ? ["--trace-gc"] : []),
    ...(memProbe ? ["--require", fileURLToPath(new URL("./lib/mem-probe.cjs", import.meta.url))] : []),
    ...serverFlags
  ]
  const server = await startEcho({ cpu: 0, nodeFlags, onLine: onServerLine })
  const clientPinned = server.pinned && pinSelf(1)
  console.log(
    `soak: seed ${seed}, ${connections} connections, ${minutes} min (warm-up ${warmupMin} min), ` +
      `think ${thinkMs[0]}–${thinkMs[1]} ms${deflate ? ", permessage-deflate offered" : ""}, server ${server.url} pid ${server.pid}` +
      `${server.pinned ? " on CPU 0" : ""}${clientPinned ? ", client on CPU 1" : ""}, ulimit -n ${limit}`
  )
  const stats: SoakStats = newStats()
  const rng = new Rng(seed)
  const started = Date.now()
  const deadline = started + minutes * 60_000
  let stopping = false
  const stop = () => stopping || Date.now() >= deadline
  const cfg = {
    port: server.port,
    thinkMs,
    messagesPerSession: [5, 120] as const,
    echoTimeoutMs: 30_000,
    connectGate: new Gate(256),
    deflate
  }
  const samples: Sample[] = []
  let lastSent = 0
  let serverDied = false
  const sample = () => {
    const rss = rssOf(server.pid)
    if (!server.alive() || rss === undefined) {
      serverDied = true
      stopping = true
      return
    }
    const t = (Date.now() - started) / 1000
    const s = { t, rss, open: stats.open, msgs: (stats.sent - lastSent) / (SAMPLE_MS / 1000), heap: liveHeapMb, mem: lastMem }
    lastSent = stats.sent
    samples.push(s)
    console.log(
      `t=${t.toFixed(0).padStart(4)}s rss ${mib(rss)}${traceGc ? ` heap-after-mc ${liveHeapMb ?? "?"} MB` : ""}${lastMem ? ` heapTotal ${mib(lastMem.heapTotal)} external ${mib(lastMem.external)} arrayBuffers ${mib(lastMem.arrayBuffers)}` : ""} open ${fmt(s.open)} msgs/s ${fmt(s.msgs)} ` +
        `sessions ${fmt(stats.sessions)} lost ${stats.lost} dup ${stats.duplicated} reord ${stats.reordered} ` +
        `corrupt ${stats.corrupted} unexpected ${JSON.stringify(stats.unexpected)} ` +
        `connfail ${JSON.stringify(stats.connectFailures)}`
    )
  }
  const ticker = setInterval(sample, SAMPLE_MS)
  const slots: Array<Promise<void>> = []
  for (let i = 0; i < connections; i++) slots.push(runSlot(new Rng(rng.u32()), cfg, stats, stop))
  const all = Promise.all(slots)
  // Bounded: wait for the deadline, then at most 90 s for the slots to finish their sessions.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (stop()) {
        clearInterval(check)
        resolve()
      }
    }, 250)
  })
  stopping = true
  sample() // the last sample under load, at the deadline: the one drift is computed from
  const underLoad = samples.length
  const drained = await Promise.race([all.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 90_000))])
  clearInterval(ticker)
  sample() // after every connection closed: informational
  stopWatchdog()
  const aliveAtEnd = server.alive()
  const exit = await server.stop()
  report(stats, samples.slice(0, underLoad), samples[samples.length - 1], {
    drained,
    serverDied: serverDied || !aliveAtEnd,
    exit,
    pinned: server.pinned
  })
}

const report = (
  stats: SoakStats,
  samples: Sample[],
  idle: Sample | undefined,
  end: { drained: boolean; serverDied: boolean; exit: number | string; pinned: boolean }
): void => {
  const warm = samples.filter((s) => s.t >= warmupMin * 60)
  // RSS saws by up to ~25 % between full GCs (every 30–60 s under this churn) and jumps while a
  // compacting GC copies live objects, so one sample against another (or one minute against
  // another) measures the GC's phase as much as a trend. The drift is the least-squares line
  // through every sample after the warm-up: its growth over that period, relative to the mean.
  // (It flags the old-space fragmentation of finding 2: +7.6 % and +10.4 % on those runs.)
  const base = warm.slice(0, WINDOW)
  const endWindow = warm.length >= 2 * WINDOW ? warm.slice(-WINDOW) : warm.slice(base.length)
  const baseRss = medianOf(base, (s) => s.rss)
  const endRss = medianOf(endWindow, (s) => s.rss)
  const last = samples[samples.length - 1]
  const trend = fitTrend(warm)
  const drift = trend.growth / trend.mean
  const lastDrift = last === undefined || base.length === 0 ? NaN : (last.rss - baseRss) / baseRss
  const maxWarm = warm.reduce((a, s) => Math.max(a, s.rss), 0)
  const openWarm = warm.slice(0, -1)
  const meanOpen = openWarm.reduce((a, s) => a + s.open, 0) / Math.max(1, openWarm.length)
  const minOpen = openWarm.reduce((a, s) => Math.min(a, s.open), Infinity)
  const rate = openWarm.reduce((a, s) => a + s.msgs, 0) / Math.max(1, openWarm.length)
  const integrity = stats.lost + stats.duplicated + stats.reordered + stats.corrupted
  const d = stats.deflate
  const allAgreed = !deflate || (d.agreed > 0 && d.declined === 0)
  const ok = integrity === 0 && !end.serverDied && end.drained && Math.abs(drift) < 0.05 && end.exit === 0 && allAgreed
  const lines = [
    `**${ok ? "PASS" : "FAIL"}** — run ${new Date().toISOString().slice(0, 16)}Z, seed ${seed}, ${minutes} min, ` +
      `${fmt(connections)} connection slots (ulimit -n ${limit}), warm-up ${warmupMin} min, ` +
      `think ${thinkMs[0]}–${thinkMs[1]} ms, 5–120 messages per session${deflate ? ", permessage-deflate offered by every slot, every message compressed where agreed" : ""}; server pinned to CPU 0: ${end.pinned ? "yes" : "no"}.`,
    "",
    "| metric | value |",
    "|---|---|",
    `| sessions (connect → exchange → close) | ${fmt(stats.sessions)} (${fmt(stats.sessionsOk)} clean) |`,
    `| peak open connections / mean after warm-up / min after warm-up | ${fmt(stats.peakOpen)} / ${fmt(meanOpen)} / ${fmt(minOpen)} |`,
    `| messages sent / echoes received | ${fmt(stats.sent)} / ${fmt(stats.received)} (${mib(stats.bytesSent)} sent) |`,
    `| mean message rate after warm-up | ${fmt(rate)} msg/s |`,
    `| **lost / duplicated / reordered / corrupted** | **${stats.lost} / ${stats.duplicated} / ${stats.reordered} / ${stats.corrupted}** (misrouted ${stats.misrouted}) |`,
    `| echo timeouts / server frame violations | ${stats.timeouts} / ${stats.violations} |`,
    ...(deflate
      ? [
          `| permessage-deflate: sessions agreed / declined | ${fmt(d.agreed)} / ${fmt(d.declined)} |`,
          `| compression ratio sent (plain / wire) / received (${fmt(d.compressedReceived)} compressed echoes) | ${(d.sentPlain / Math.max(1, d.sentWire)).toFixed(2)}× / ${(d.receivedPlain / Math.max(1, d.receivedWire)).toFixed(2)}× |`
        ]
      : []),
    `| connect failures | ${JSON.stringify(stats.connectFailures)} |`,
    `| unexpected endings | ${JSON.stringify(stats.unexpected)} |`,
    `| close codes echoed | ${JSON.stringify(stats.closeCodes)} |`,
    `| server alive throughout / exit code on SIGTERM | ${end.serverDied ? "**no**" : "yes"} / ${end.exit} |`,
    `| all slots drained at the end | ${end.drained ? "yes" : "**no**"} |`,
    `| server RSS: first minute after warm-up (median) / last minute under load (median) / max / last sample | ${mib(baseRss)} / ${mib(endRss)} / ${mib(maxWarm)} / ${last ? mib(last.rss) : "?"} |`,
    `| **RSS drift** (least-squares trend of the samples after warm-up: growth over ${(trend.span / 60).toFixed(1)} min / mean ${mib(trend.mean)}) | **${pct(drift)}** (limit 5 %; for comparison, last minute's median vs. first minute's: ${pct((endRss - baseRss) / baseRss)}; last single sample vs. first minute: ${pct(lastDrift)}) |`,
    `| server RSS after every client closed | ${idle ? mib(idle.rss) : "?"} |`,
    ...memRows(base, endWindow),
    "",
    `RSS samples (every 10 s; t in s: MiB, (open connections)${traceGc ? ", [server V8 heap after its last Mark-Compact, MB]" : ""}` +
      `${memProbe ? ", {server heapTotal/external MiB from process.memoryUsage()}" : ""}):`,
    "",
    "```",
    ...chunk(
      samples.map(
        (s) =>
          `${s.t.toFixed(0)}:${(s.rss / 1048576).toFixed(1)}(${s.open})` +
          (traceGc ? `[${s.heap ?? "?"}]` : "") +
          (s.mem ? `{${(s.mem.heapTotal / 1048576).toFixed(0)}/${(s.mem.external / 1048576).toFixed(0)}}` : "")
      ),
      8
    ).map((r) => r.join("  ")),
    "```"
  ]
  console.log("\n" + lines.join("\n"))
  if (flags["docs"] !== "no") writeSection(deflate ? "soak-deflate" : "soak", lines.join("\n"))
  process.exit(ok ? 0 : 1)
}

/** With --mem-probe / --trace-gc: where the server's memory went (one-minute medians, as for RSS). */
const memRows = (base: Sample[], end: Sample[]): string[] => {
  const last = end[end.length - 1]
  if (last === undefined || base.length === 0) return []
  const rows: string[] = []
  if (last.heap !== undefined) {
    const heap = (s: Sample) => s.heap
    rows.push(
      `| server V8 heap after Mark-Compact (live JS data): first → last minute | ${medianOf(base, heap).toFixed(1)} MB → ${medianOf(end, heap).toFixed(1)} MB |`
    )
  }
  if (last.mem !== undefined) {
    for (const k of ["heapTotal", "heapUsed", "external", "arrayBuffers"] as const) {
      const field = (s: Sample) => s.mem?.[k]
      rows.push(`| server ${k} (process.memoryUsage): first → last minute | ${mib(medianOf(base, field))} → ${mib(medianOf(end, field))} |`)
    }
  }
  return rows
}

/** Samples per minute (one each `SAMPLE_MS`): the windows the drift compares. */
const WINDOW = 60_000 / SAMPLE_MS

/** Least-squares line through (t, rss): its growth over the samples' time span, and the mean. */
const fitTrend = (xs: ReadonlyArray<Sample>): { growth: number; mean: number; span: number } => {
  const n = xs.length
  if (n < 2) return { growth: NaN, mean: NaN, span: 0 }
  const meanT = xs.reduce((a, s) => a + s.t, 0) / n
  const mean = xs.reduce((a, s) => a + s.rss, 0) / n
  let num = 0
  let den = 0
  for (const s of xs) {
    num += (s.t - meanT) * (s.rss - mean)
    den += (s.t - meanT) ** 2
  }
  const span = xs[n - 1]!.t - xs[0]!.t
  return { growth: (num / den) * span, mean, span }
}

const medianOf = (xs: ReadonlyArray<Sample>, f: (s: Sample) => number | undefined): number => {
  const sorted = xs.map((s) => f(s) ?? NaN).sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const chunk = <T>(xs: T[], n: number): T[][] => {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error)
  process.exit(1)
})
