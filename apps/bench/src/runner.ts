// One run: start a fresh server pinned to the server CPU, drive it with the load generator
// pinned to the load CPU, collect the result (and the server's CPU and memory), stop it.
import { setTimeout as sleep } from "node:timers/promises"
import { type LoadgenResult, runLoadgen } from "./loadgen.js"
import { IDLE_CONNECTIONS, type Measurement, type Scenario } from "./scenarios.js"
import { cpuSeconds, peakRssKiB, type RunningServer, rssKiB, type ServerSpec, startServer } from "./servers.js"

export interface RunConfig {
  readonly loadgen: string
  readonly seconds: number
  readonly warmup: number
  readonly serverCpu: string
  readonly loadCpu: string
  readonly idleConnections: number
  readonly profileDir?: string
}

export type RunOutcome =
  | { readonly ok: true; readonly m: Measurement }
  | { readonly ok: false; readonly error: string; readonly unavailable: boolean }

export async function runOne(scenario: Scenario, spec: ServerSpec, cfg: RunConfig): Promise<RunOutcome> {
  let server: RunningServer
  try {
    server = await startServer(spec, scenario.job, cfg.serverCpu, {
      ...(cfg.profileDir === undefined ? {} : { profileDir: cfg.profileDir }),
      gcOnSignal: scenario.mode === "idle"
    })
  } catch (e) {
    return { ok: false, error: (e as Error).message, unavailable: true }
  }
  try {
    const outcome =
      scenario.mode === "idle"
        ? await runIdle(scenario, server, cfg)
        : scenario.mode === "storm"
          ? await runStorm(scenario, server, cfg)
          : await runLoad(scenario, server, cfg)
    const wrong = outcome.ok ? scenario.check?.(outcome.m, spec) : undefined
    return wrong === undefined ? outcome : { ok: false, error: wrong, unavailable: false }
  } finally {
    await server.stop()
  }
}

function failure(what: string, server: RunningServer, stderr: string, result: LoadgenResult | null): RunOutcome {
  const counts =
    result && `${result.errors} errors (${result.missed} messages missed, ${result.unclean_closes} connections not closed cleanly)`
  const why = result?.error ?? counts ?? (stderr.trim().split("\n").slice(-2).join(" ") || "no output")
  const serverSaid = server.stderrTail()
  return { ok: false, error: `${what}: ${why}${serverSaid ? ` (server stderr: ${serverSaid})` : ""}`, unavailable: false }
}

/**
 * Samples the server's CPU time when the load generator says the measured window starts and
 * ends, so server and load generator CPU use cover the same seconds.
 */
function serverCpuWindow(pid: number) {
  let start: { cpu: number; t: number } | undefined
  let cores: number | undefined
  const sample = () => {
    try {
      return { cpu: cpuSeconds(pid), t: performance.now() }
    } catch {
      return undefined // the server died: the load generator reports it
    }
  }
  return {
    onLine: (line: string) => {
      if (line.endsWith("loadgen: measuring")) start = sample()
      else if (line.endsWith("loadgen: measured") && start) {
        const end = sample()
        if (end) cores = (end.cpu - start.cpu) / ((end.t - start.t) / 1000)
      }
    },
    cores: () => cores ?? Number.NaN
  }
}

async function runLoad(scenario: Scenario, server: RunningServer, cfg: RunConfig): Promise<RunOutcome> {
  const window = serverCpuWindow(server.pid)
  const run = await runLoadgen(
    cfg.loadgen,
    cfg.loadCpu,
    [scenario.mode, "--port", String(server.port), ...scenario.args, "--seconds", String(cfg.seconds), "--warmup", String(cfg.warmup)],
    { timeoutMs: (cfg.seconds + cfg.warmup) * 1000 + 60_000, onStderrLine: window.onLine }
  )
  if (!run.result?.ok) return failure("load generator failed", server, run.stderr, run.result)
  return { ok: true, m: { result: run.result, serverCores: window.cores() } }
}

/**
 * RSS per idle connection, read twice at each end. As is: (RSS with all connections up − RSS
 * before) / connections, whatever V8 last collected; this reading is bimodal for ws and wspipe
 * alike, depending on whether V8 ran a full collection after the connect burst. After a full GC
 * (servers/gc-on-signal.mjs, the same preload in every Node server): the same difference 1 s
 * after a forced full collection (`rssAfterGc`), and V8's heapUsed with it, so what the
 * connections keep is apart from when V8 last collected. The as-is reading of each end is taken
 * before its GC.
 */
async function runIdle(scenario: Scenario, server: RunningServer, cfg: RunConfig): Promise<RunOutcome> {
  const n = cfg.idleConnections
  await sleep(1000) // let the fresh server finish starting up before the baseline
  const before = rssKiB(server.pid)
  const heapBefore = await server.fullGc?.()
  const beforeGc = await rssAfterGc(server.pid)
  let after: { asIs: number; gc: number; heap: number | undefined } | undefined
  let afterTaken: Promise<void> = Promise.resolve()
  const window = serverCpuWindow(server.pid)
  const hold = 5 // seconds: all up, 1.5 s to settle, read RSS, GC, 1 s for its pages to go, read again, and margin
  const args = scenario.args.map((a) => (a === String(IDLE_CONNECTIONS) ? String(n) : a))
  const conns = Number(args[args.indexOf("-c") + 1]) || n // a scenario may hold fewer (idle-deflate-5k)
  const run = await runLoadgen(cfg.loadgen, cfg.loadCpu, ["idle", "--port", String(server.port), ...args, "--seconds", String(hold)], {
    timeoutMs: hold * 1000 + 90_000,
    onStderrLine: (line) => {
      window.onLine(line)
      if (!/all \d+ connections up/.test(line)) return
      afterTaken = sleep(1500).then(async () => {
        try {
          const asIs = rssKiB(server.pid)
          const heap = await server.fullGc?.()
          after = { asIs, gc: await rssAfterGc(server.pid), heap }
        } catch {
          // the server died (or never answered the GC): the load generator reports the dropped connections
        }
      })
    }
  })
  await afterTaken
  const serverCores = window.cores()
  if (!run.result?.ok) return failure("load generator failed", server, run.stderr, run.result)
  if (after === undefined) return failure("idle run: never saw the all-up line", server, run.stderr, null)
  return {
    ok: true,
    m: {
      result: run.result,
      serverCores,
      rssBeforeKiB: before,
      rssAfterKiB: after.asIs,
      rssPerConnKiB: (after.asIs - before) / conns,
      ...(server.fullGc === null ? {} : { rssPerConnAfterGcKiB: (after.gc - beforeGc) / conns }),
      ...(heapBefore !== undefined && after.heap !== undefined ? { heapPerConnKiB: (after.heap - heapBefore) / 1024 / conns } : {})
    }
  }
}

/**
 * RSS once V8 has returned the pages a forced full GC freed. V8 hands freed and evacuated pages
 * back to the system from a background task, a few hundred ms after the collection: read at
 * once, RSS still counts them. The spike is largest for a server that compacts on every full GC,
 * as wspipe's `runMain` asks (`--compact-on-every-full-gc`: the whole old space is copied, so for
 * a moment it is committed twice; ~110 ms of copying at 10,000 idle connections, against 0–7 ms
 * for ws). Measured 2026-12-04 (10,000 idle connections, 50 ms after the GC, then 0.5, 1.5 and
 * 3.5 s after it): wspipe 134.8 → 116.7 → 116.7 → 116.7 MB, ws 124.7 → 121.1 → 121.1 → 121.1 MB.
 * What the collection moved is not what the connections keep, which is what this reading is
 * for; 1 s lets it pass.
 */
const rssAfterGc = async (pid: number): Promise<number> => {
  await sleep(1000)
  return rssKiB(pid)
}

/**
 * The reconnect storm: a fresh server (after 1 s of start-up), every client at once; the peak RSS
 * (VmHWM) is read when the load generator has every echo back, before it closes them.
 */
async function runStorm(scenario: Scenario, server: RunningServer, cfg: RunConfig): Promise<RunOutcome> {
  await sleep(1000)
  let peak: number | undefined
  const window = serverCpuWindow(server.pid)
  const run = await runLoadgen(
    cfg.loadgen,
    cfg.loadCpu,
    [scenario.mode, "--port", String(server.port), ...scenario.args, "--seconds", "0.5"],
    {
      timeoutMs: 120_000,
      onStderrLine: (line) => {
        window.onLine(line)
        if (!/all \d+ connections up/.test(line)) return
        try {
          peak = peakRssKiB(server.pid)
        } catch {
          // the server died: the load generator reports it
        }
      }
    }
  )
  if (!run.result?.ok) return failure("load generator failed", server, run.stderr, run.result)
  if (run.result.echoed !== run.result.connections) return failure("storm: not every echo came back", server, run.stderr, run.result)
  return { ok: true, m: { result: run.result, serverCores: window.cores(), ...(peak === undefined ? {} : { peakRssMiB: peak / 1024 }) } }
}
