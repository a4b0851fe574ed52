/**
 * `pnpm --filter @wspipe/reliability deflate-stall [--probes 50] [--big 6] [--runs 3] [--pause 5] [--quiet 3000] [--quiet-after 1000] [--warm-big 1] [--probe-client loadgen|node]`
 *
 * Others' echo latency while one client sends 16 MiB compressed messages (lib/stall.ts): the echo
 * app (bundled, as apps/bench runs it; its defaults: permessage-deflate on) on CPU 0; on CPU 1 this
 * process (the big client on a worker thread) and the probes: by default the C load generator's
 * (lib/loadgen-probes.ts: 128 B JSON texts, compressed), with `--probe-client node` this
 * process's own (~100 B texts), whose event-loop delay adds to their round trips. For each kind of big message
 * (highly compressible, incompressible), `--runs` fresh servers; per run the probes' round trips
 * before the first big message (quiet) and while a big message is in the server (from its write
 * to the end of its echo). Prints a Markdown table of the medians over the runs (docs/benchmarks.md).
 *
 * The server has just started when the probes begin, so the quiet baseline leaves out the first
 * `--quiet-after` ms (its first compiled code and first full GC), and the first `--warm-big` big
 * messages, which run the engine's code cold, are reported on their own, not in the p99.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { num, parseFlags } from "./lib/args.js"
import { pinSelf, startEcho } from "./lib/child.js"
import { stopWatchdog } from "./lib/conn.js"
import { startLoadgenProbes } from "./lib/loadgen-probes.js"
import { type BigKind, duringBig, percentile, runStall, type StallResult } from "./lib/stall.js"

const flags = parseFlags(process.argv.slice(2), ["probes", "big", "runs", "pause", "quiet", "quiet-after", "warm-big", "probe-client"])
const probeClient = flags["probe-client"] ?? "loadgen"
if (probeClient !== "loadgen" && probeClient !== "node") throw new Error(`--probe-client is loadgen or node, not ${probeClient}`)
const probes = Math.floor(num(flags, "probes", 50))
const warmBig = Math.floor(num(flags, "warm-big", 1))
const big = Math.floor(num(flags, "big", 5 + warmBig))
const quietAfterMs = num(flags, "quiet-after", 1000)
const runs = Math.floor(num(flags, "runs", 3))
const pauseMs = num(flags, "pause", 5)
const quietMs = num(flags, "quiet", 3000)

const median = (xs: ReadonlyArray<number>): number => percentile(xs, 50)
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "–")

interface Row {
  quietP50: number
  quietP99: number
  /** The probes' p99 during the first (cold) big messages. */
  coldP99: number
  /** This process's own event-loop delay p99 over the run (ms): the part of the probes' tail that is ours. */
  clientDelayP99: number
  p50: number
  p99: number
  max: number
  answers: number
  minPerWindow: number
  bigMs: number
  wire: number
  echoWire: number
  intact: boolean
}

const one = async (kind: BigKind): Promise<Row> => {
  const server = await startEcho({ cpu: 0, bundled: true })
  try {
    const loopDelay = monitorEventLoopDelay({ resolution: 1 })
    loopDelay.enable()
    const external = probeClient === "loadgen" ? await startLoadgenProbes({ port: server.port, probes, pauseMs, size: 128 }) : undefined
    const ownProbes = external === undefined ? probes : 0
    const stall = await runStall({
      port: server.port,
      probes: ownProbes,
      kind,
      bigMessages: big,
      pauseMs,
      quietMs,
      timeoutMs: 240_000
    }).catch(async (error: unknown) => {
      await external?.stop().catch(() => undefined)
      throw error
    })
    const r: StallResult = external === undefined ? stall : { ...stall, answers: await external.stop() }
    loopDelay.disable()
    if (r.failure !== undefined) throw new Error(`${kind}: ${r.failure}`)
    const d = duringBig(r, probes, { skipWindows: warmBig, quietAfterMs })
    const cold = r.windows.slice(0, warmBig)
    const coldRtts = r.answers.filter((a) => cold.some((w) => a.at > w.sent && a.at < w.echoed)).map((a) => a.rtt)
    const rtts = d.inside.map((a) => a.rtt)
    return {
      quietP50: percentile(
        d.quiet.map((a) => a.rtt),
        50
      ),
      quietP99: percentile(
        d.quiet.map((a) => a.rtt),
        99
      ),
      coldP99: percentile(coldRtts, 99),
      clientDelayP99: loopDelay.percentile(99) / 1e6,
      p50: percentile(rtts, 50),
      p99: percentile(rtts, 99),
      max: Math.max(...rtts),
      answers: rtts.length,
      minPerWindow: Math.min(...d.perWindow.flat()),
      bigMs: median(r.windows.map((w) => w.echoed - w.sent)),
      wire: r.windows[0]!.wireBytes,
      echoWire: r.windows[0]!.echoWireBytes,
      intact: r.echoIntact
    }
  } finally {
    await server.stop()
  }
}

const main = async (): Promise<void> => {
  const pinned = pinSelf(1)
  console.log(
    `deflate-stall: ${probes} probes (pause ${pauseMs} ms), ${big} big messages of 16 MiB per run (the first ${warmBig} reported apart), ${runs} runs per kind; ` +
      `server on CPU 0, this process and the probes (${probeClient === "loadgen" ? "the C load generator" : "this process"}) on CPU ${pinned ? "1" : "any"}`
  )
  const table = [
    `| big message (16 MiB binary, sent compressed) | on the wire → echo on the wire | probes' RTT quiet p50 / p99 ms (from ${quietAfterMs} ms) | probes' RTT p99 during the first ${warmBig} big, ms | probes' RTT during the other big messages p50 / p99 / max ms | probe answers during them (fewest per probe per message) | big message write → echo complete, ms | echo intact |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  ]
  for (const kind of ["compressible", "incompressible"] as const) {
    const rows: Row[] = []
    for (let i = 0; i < runs; i++) {
      const row = await one(kind)
      console.log(
        `  ${kind} run ${i + 1}: quiet p99 ${f(row.quietP99)} ms; first big p99 ${f(row.coldP99)} ms; during the others p50 ${f(row.p50)} p99 ${f(row.p99)} max ${f(row.max)} ms; ` +
          `this process's event-loop delay p99 ${f(row.clientDelayP99)} ms ` +
          `(${row.answers} answers, fewest per probe per message ${row.minPerWindow}); big ${f(row.bigMs, 0)} ms; echo intact ${row.intact}`
      )
      rows.push(row)
    }
    const m = (k: keyof Row) => median(rows.map((r) => Number(r[k])))
    table.push(
      `| ${kind} | ${(rows[0]!.wire / 1024).toFixed(0)} KiB → ${(rows[0]!.echoWire / 1024).toFixed(0)} KiB | ${f(m("quietP50"))} / ${f(m("quietP99"))} | ${f(m("coldP99"))} | ` +
        `**${f(m("p50"))} / ${f(m("p99"))}** / ${f(m("max"))} | ${f(m("answers"), 0)} (${f(m("minPerWindow"), 0)}) | ${f(m("bigMs"), 0)} | ${rows.every((r) => r.intact) ? "yes" : "**no**"} |`
    )
  }
  console.log(`\nMedians of ${runs} runs:\n\n${table.join("\n")}`)
  stopWatchdog()
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error)
  process.exit(1)
})
