/**
 * Starting the echo app as a child process (optionally pinned to a CPU with `taskset`), reading its
 * `listening on ws://…` line, sampling its RSS from /proc, and killing every child we started on
 * any exit path (normal exit, error, SIGINT/SIGTERM).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root (apps/reliability/src/lib → ../../../..). */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))

const children = new Set<ChildProcess>()
let hooked = false

const killAll = (): void => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
  children.clear()
}

const hookExit = (): void => {
  if (hooked) return
  hooked = true
  process.on("exit", killAll)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping children and exiting\n`)
      killAll()
      process.exit(130)
    })
  }
  process.on("uncaughtException", (error) => {
    process.stderr.write(`uncaught exception: ${error.stack ?? String(error)}\n`)
    killAll()
    process.exit(1)
  })
}

/** Whether `taskset` exists and works here. */
export const hasTaskset = (): boolean => {
  const r = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" })
  return r.status === 0
}

/** Pins every thread of this process to `cpu` (best effort); returns whether it worked. */
export const pinSelf = (cpu: number): boolean => {
  if (!hasTaskset()) return false
  const r = spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(process.pid)], { stdio: "ignore" })
  return r.status === 0
}

export interface EchoServer {
  readonly url: string
  readonly port: number
  readonly pid: number
  readonly child: ChildProcess
  readonly pinned: boolean
  /** Still running? */
  alive(): boolean
  /** stderr seen so far (last 8 KiB), for reports when it dies. */
  stderr(): string
  /** SIGTERM, wait up to `ms` for exit; SIGKILL after. Resolves to the exit code (or signal). */
  stop(ms?: number): Promise<number | string>
}

/**
 * The echo app bundled with esbuild into plain JavaScript (as apps/bench runs it, like a compiled
 * deployment: tsx adds a wrapper to every closure); made once per process, removed at exit.
 */
const bundledEcho = (() => {
  let file: string | undefined
  return (): string => {
    if (file !== undefined) return file
    const dir = mkdtempSync(join(tmpdir(), "wspipe-echo-"))
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
    file = join(dir, "echo.mjs")
    execFileSync(
      join(repoRoot, "node_modules/.bin/esbuild"),
      [
        join(repoRoot, "apps/echo/src/main.ts"),
        "--bundle",
        "--platform=node",
        "--format=esm",
        "--target=node20",
        `--outfile=${file}`,
        "--log-level=warning",
        // ioredis (through @wspipe/bus-redis) is CommonJS: the ESM bundle needs a `require`.
        '--banner:js=import { createRequire as __wspipeRequire } from "node:module"; const require = __wspipeRequire(import.meta.url);'
      ],
      { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"], timeout: 60_000 }
    )
    return file
  }
})()

/**
 * Starts `node --import tsx apps/echo/src/main.ts --port 0` (with `bundled`: the app bundled into
 * plain JavaScript), resolves once it printed its URL.
 */
export const startEcho = (
  options: { cpu?: number; timeoutMs?: number; nodeFlags?: string[]; onLine?: (line: string) => void; bundled?: boolean } = {}
): Promise<EchoServer> => {
  hookExit()
  const app = options.bundled === true ? [bundledEcho()] : ["--import", "tsx", "apps/echo/src/main.ts"]
  const args = [...(options.nodeFlags ?? []), ...app, "--port", "0"]
  const pinned = options.cpu !== undefined && hasTaskset()
  const child = pinned
    ? spawn("taskset", ["-c", String(options.cpu), process.execPath, ...args], { cwd: repoRoot, stdio: "pipe" })
    : spawn(process.execPath, args, { cwd: repoRoot, stdio: "pipe" })
  children.add(child)
  child.on("exit", () => children.delete(child))
  let err = ""
  child.stderr!.on("data", (d: Buffer) => {
    err = (err + d.toString("utf8")).slice(-8192)
  })
  return new Promise((resolve, reject) => {
    let out = ""
    let partial = ""
    if (options.onLine !== undefined) {
      const onLine = options.onLine
      child.stdout!.on("data", (d: Buffer) => {
        const lines = (partial + d.toString("utf8")).split("\n")
        partial = lines.pop()!.slice(-4096)
        for (const line of lines) onLine(line)
      })
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`echo server did not print its URL within ${options.timeoutMs ?? 20_000} ms\n${err}`))
    }, options.timeoutMs ?? 20_000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`echo server exited early (${code ?? signal})\n${err}`))
    })
    child.stdout!.on("data", (d: Buffer) => {
      if (out.length > 65536) return
      out += d.toString("utf8")
      const m = /listening on (ws:\/\/[^\s]+)/.exec(out)
      if (m === null) return
      clearTimeout(timer)
      const url = m[1]!
      const port = Number(new URL(url).port)
      resolve({
        url,
        port,
        pid: child.pid!,
        child,
        pinned,
        alive: () => child.exitCode === null && child.signalCode === null,
        stderr: () => err,
        stop: (ms = 10_000) =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              done(child.exitCode ?? child.signalCode ?? "gone")
              return
            }
            const kill = setTimeout(() => child.kill("SIGKILL"), ms)
            child.once("exit", (code, signal) => {
              clearTimeout(kill)
              done(code ?? signal ?? "unknown")
            })
            child.kill("SIGTERM")
          })
      })
    })
  })
}

/** VmRSS of a process in bytes, from /proc/<pid>/status; undefined when unavailable. */
export const rssOf = (pid: number): number | undefined => {
  const file = `/proc/${pid}/status`
  if (!existsSync(file)) return undefined
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(file, "utf8"))
  return m === null ? undefined : Number(m[1]) * 1024
}

/** `ulimit -n` of this environment (children inherit it). */
export const fdLimit = (): number => {
  const r = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" })
  const text = r.stdout.trim()
  return text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text)
}
