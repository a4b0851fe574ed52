// The servers under test, each started as a child process pinned to one CPU, and the
// bookkeeping that guarantees every child is killed at the end (also on Ctrl-C and errors).
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { benchCertificate, benchDir } from "./build.js"
import { type DeflateServerId, deflateServerSpecs } from "./deflate-servers.js"

/** "echo-tls": the echo server on wss:// (the load generator runs with --tls). */
export type ServerJob = "echo" | "broadcast" | "echo-tls"
export type ServerId = "ws" | "ws-addons" | "wspipe" | "wspipe-off" | "c-echo" | DeflateServerId

export const repoRoot = resolve(benchDir, "../..")
/** The wspipe apps as bundled by `buildWspipe` (see build.ts for why not tsx). */
const wspipeApps: Record<ServerJob, string> = {
  echo: join(benchDir, "bin/wspipe-echo.mjs"),
  broadcast: join(benchDir, "bin/wspipe-chat.mjs"),
  "echo-tls": join(benchDir, "bin/wspipe-echo.mjs")
}

/** `--tls-cert FILE --tls-key FILE` for the TLS job (both wspipe's echo app and ws-echo-tls.mjs take them). */
const tlsArgs = (job: ServerJob): string[] => {
  if (job !== "echo-tls") return []
  const { cert, key } = benchCertificate()
  return ["--tls-cert", cert, "--tls-key", key]
}

export interface ServerSpec {
  readonly id: ServerId
  readonly label: string
  /** null when this server does not do this job (the C server only echoes). */
  readonly command: (job: ServerJob, opts: { profileDir?: string }) => { cmd: string; args: string[]; env: NodeJS.ProcessEnv } | null
  /** Why the server cannot run at all (e.g. the wspipe app is not written yet), or null. */
  readonly missing: (job: ServerJob) => string | null
  /** Runs only where a scenario (`Scenario.servers`) or --servers names it. */
  readonly optIn?: boolean
}

const exitOnSignal = pathToFileURL(join(benchDir, "servers/exit-on-signal.mjs")).href
const gcOnSignal = pathToFileURL(join(benchDir, "servers/gc-on-signal.mjs")).href

/** A bundled wspipe app (echo, or chat for broadcast) with the bench's flags and `extra`. */
const wspipeSpec = (id: ServerId, label: string, extra: ReadonlyArray<string>): ServerSpec => ({
  id,
  label,
  command: (job, { profileDir }) => ({
    cmd: process.execPath,
    args: [
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--import", exitOnSignal] : []),
      wspipeApps[job],
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      ...extra,
      ...tlsArgs(job)
    ],
    env: { ...process.env }
  }),
  missing: (job) =>
    existsSync(wspipeApps[job])
      ? null
      : `wspipe ${job === "broadcast" ? "chat" : "echo"} app not available (${wspipeApps[job]} does not exist)`
})

export function serverSpecs(echoServerBin: string): ServerSpec[] {
  const wsScript = (job: ServerJob) =>
    join(benchDir, "servers", { echo: "ws-echo.mjs", broadcast: "ws-broadcast.mjs", "echo-tls": "ws-echo-tls.mjs" }[job])
  return [
    {
      id: "ws",
      label: "ws",
      command: (job) => ({
        cmd: process.execPath,
        args: [wsScript(job), "--port", "0", "--host", "127.0.0.1", ...tlsArgs(job)],
        env: { ...process.env, WS_NO_BUFFER_UTIL: "1", WS_NO_UTF_8_VALIDATE: "1" }
      }),
      missing: () => null
    },
    {
      id: "ws-addons",
      label: "ws+addons",
      command: (job) => {
        const env = { ...process.env }
        delete env.WS_NO_BUFFER_UTIL
        delete env.WS_NO_UTF_8_VALIDATE
        return { cmd: process.execPath, args: [wsScript(job), "--port", "0", "--host", "127.0.0.1", ...tlsArgs(job)], env }
      },
      missing: () => null
    },
    wspipeSpec("wspipe", "wspipe", []),
    // The same bundled app with `--no-deflate`. Against "wspipe" (deflate on, its default) with
    // clients that do not offer it, it shows what the feature costs connections that did not
    // negotiate it (issue 13: "turning the feature on must not slow connections that did not").
    { ...wspipeSpec("wspipe-off", "wspipe --no-deflate", ["--no-deflate"]), optIn: true },
    {
      id: "c-echo",
      label: "C echo (ref.)",
      command: (job) => (job === "echo" ? { cmd: echoServerBin, args: ["--port", "0"], env: { ...process.env } } : null),
      missing: () => null
    },
    ...deflateServerSpecs()
  ]
}

const children = new Set<ChildProcess>()

function killChild(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal)
}

/** Kills every child still running; safe to call more than once. */
export function killAllChildren(): void {
  for (const child of children) killChild(child)
  children.clear()
}

let installed = false
/** Children die with us, however we end. */
export function installCleanup(): void {
  if (installed) return
  installed = true
  process.on("exit", killAllChildren)
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(sig, () => {
      killAllChildren()
      process.exit(130)
    })
}

/** Spawns a child process pinned with taskset and tracks it for cleanup. */
export function spawnPinned(cpu: string | null, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child =
    cpu === null
      ? spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn("taskset", ["-c", cpu, cmd, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
  children.add(child)
  child.on("exit", () => children.delete(child))
  return child
}

export interface RunningServer {
  readonly pid: number
  readonly port: number
  readonly stop: () => Promise<void>
  readonly stderrTail: () => string
  /** Runs a full GC in the server; resolves with V8's heapUsed after it (bytes); null without the preload. */
  readonly fullGc: (() => Promise<number>) | null
}

const readyLine = /listening on wss?:\/\/([0-9.]+):(\d+)\//

/** Starts a server and waits for its ready line; rejects with a clear reason otherwise. */
export function startServer(
  spec: ServerSpec,
  job: ServerJob,
  cpu: string | null,
  opts: { profileDir?: string; timeoutMs?: number; gcOnSignal?: boolean } = {}
): Promise<RunningServer> {
  const missing = spec.missing(job)
  if (missing) return Promise.reject(new Error(missing))
  const command = spec.command(job, opts.profileDir === undefined ? {} : { profileDir: opts.profileDir })
  if (!command) return Promise.reject(new Error(`${spec.label} has no ${job} server`))
  // Every Node server gets the same preload (fair); a non-Node server (the C echo) cannot.
  const forcedGc = opts.gcOnSignal === true && command.cmd === process.execPath
  const args = forcedGc ? ["--expose-gc", "--import", gcOnSignal, ...command.args] : command.args
  const child = spawnPinned(cpu, command.cmd, args, command.env)
  let stderr = ""
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const stderrTail = () => stderr.trim().split("\n").slice(-5).join(" | ")
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((res) => child.once("exit", () => res()))
    killChild(child, "SIGTERM")
    const timer = setTimeout(() => killChild(child), 5000) // bounded: SIGKILL after 5 s
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolvePromise, reject) => {
    let out = ""
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${spec.label} ${job} server printed no ready line within ${(opts.timeoutMs ?? 30000) / 1000} s: ${stderrTail()}`))
    }, opts.timeoutMs ?? 30000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${spec.label} ${job} server exited (${signal ?? `code ${code}`}) before it was ready: ${stderrTail()}`))
    })
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString()
      const m = readyLine.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout?.removeAllListeners("data")
      child.stdout?.resume() // keep draining whatever it prints later
      // Rejects after 10 s without the answer: a server that died or ignores the signal must
      // fail the reading, not hang the run.
      const fullGc = (): Promise<number> =>
        new Promise((done, fail) => {
          let seen = ""
          const giveUp = setTimeout(() => {
            child.stdout?.off("data", onData)
            fail(new Error(`${spec.label}: no answer to the forced GC`))
          }, 10_000)
          const onData = (d: Buffer) => {
            seen += d.toString()
            const g = /gc done heapUsed=(\d+)\n/.exec(seen)
            if (!g) return
            clearTimeout(giveUp)
            child.stdout?.off("data", onData)
            done(Number(g[1]))
          }
          child.stdout?.on("data", onData)
          child.kill("SIGUSR2")
        })
      resolvePromise({ pid: child.pid ?? -1, port: Number(m[2]), stop, stderrTail, fullGc: forcedGc ? fullGc : null })
    })
  })
}

/** Resident set size of a process, in KiB (VmRSS from /proc/PID/status). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  if (!m) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1])
}

/** The most RSS a process has had (VmHWM), KiB. */
export function peakRssKiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  if (!m) throw new Error(`no VmHWM for pid ${pid}`)
  return Number(m[1])
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
}
