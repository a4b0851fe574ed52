/**
 * Child processes for the tests: start a TypeScript script with tsx, read its `port` line, ask it
 * for stats over stdin, sample its resident memory from /proc, and kill it by pid when done.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { within } from "./wait.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
export const repoRoot = Path.resolve(here, "../../../..")
export const supportFile = (name: string) => Path.join(here, name)

const bundles = new Map<string, string>()

/**
 * Bundles a support script with esbuild (the workspace's, which tsx uses) into plain JavaScript.
 * The child then runs on bare `node`: under `--import tsx` the TypeScript loader alone costs
 * ~100 MiB of RSS (measured: 147 MiB vs 47 MiB for the same script bundled), which would drown
 * the server's own memory in the RSS assertions.
 */
export const bundle = (name: string): string => {
  const done = bundles.get(name)
  if (done !== undefined) return done
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "wspipe-reliability-"))
  process.once("exit", () => Fs.rmSync(dir, { recursive: true, force: true }))
  const out = Path.join(dir, name.replace(/\.ts$/, ".mjs"))
  execFileSync(
    Path.join(repoRoot, "node_modules/.bin/esbuild"),
    [
      supportFile(name),
      "--bundle",
      "--platform=node",
      "--format=esm",
      `--outfile=${out}`,
      "--log-level=warning",
      // For checking that the tests fail against a broken server: bundle a modified copy instead.
      ...(process.env["RELIABILITY_SERVER_ENTRY"] ? [`--alias:@wspipe/server=${process.env["RELIABILITY_SERVER_ENTRY"]}`] : [])
    ],
    { cwd: Path.join(here, ".."), stdio: ["ignore", "ignore", "inherit"], timeout: 60_000 }
  )
  bundles.set(name, out)
  return out
}

export class Child {
  readonly proc: ChildProcess
  readonly lines: Array<string> = []
  stderr = ""
  private listeners: Array<(line: string) => void> = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  /** `nodeArgs`: e.g. `["--import", "tsx", "app.ts"]` or a bundled script; proc.pid is node's own pid. */
  constructor(nodeArgs: ReadonlyArray<string>, args: ReadonlyArray<string>) {
    this.proc = spawn(process.execPath, [...nodeArgs, ...args], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] })
    let partial = ""
    this.proc.stdout!.on("data", (chunk: Buffer) => {
      partial += chunk.toString()
      let nl: number
      while ((nl = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, nl)
        partial = partial.slice(nl + 1)
        this.lines.push(line)
        for (const l of this.listeners) l(line)
      }
    })
    this.proc.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString()
    })
    this.exited = new Promise((resolve) => this.proc.once("exit", (code, signal) => resolve({ code, signal })))
    running.add(this)
    void this.exited.then(() => running.delete(this))
  }

  /** The first line (already printed or to come) matching `re`. */
  waitLine(re: RegExp, ms: number, what: string, from = 0): Promise<RegExpExecArray> {
    for (let i = from; i < this.lines.length; i++) {
      const m = re.exec(this.lines[i]!)
      if (m !== null) return Promise.resolve(m)
    }
    return within(
      new Promise<RegExpExecArray>((resolve, reject) => {
        const listener = (line: string) => {
          const m = re.exec(line)
          if (m === null) return
          this.listeners = this.listeners.filter((l) => l !== listener)
          resolve(m)
        }
        this.listeners.push(listener)
        void this.exited.then(({ code }) =>
          reject(new Error(`${what}: process exited (${code}) first; stderr: ${this.stderr.slice(-2000)}`))
        )
      }),
      ms,
      `${what}; stderr: ${this.stderr.slice(-2000)}`
    )
  }

  /** Asks a child-server for its stats. */
  async stats<A = any>(): Promise<A> {
    const from = this.lines.length
    this.proc.stdin!.write("stats\n")
    const m = await this.waitLine(/^stats (.*)$/, 5_000, "stats", from)
    return JSON.parse(m[1]!) as A
  }

  /** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
  rss(): number | undefined {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(Fs.readFileSync(`/proc/${this.proc.pid}/status`, "utf8"))
      return m === null ? undefined : Number(m[1]) * 1024
    } catch {
      return undefined
    }
  }

  /** Kills this process (by its pid) and waits for it. */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL")
    await within(this.exited, 5_000, "the child to exit")
  }
}

/** Starts child-server.ts in `mode` and waits for its port. */
export const startChildServer = async (mode: "flood" | "broadcast", options: Record<string, unknown>) => {
  const child = new Child([bundle("child-server.ts")], [mode, JSON.stringify(options)])
  const port = Number((await child.waitLine(/^port (\d+)$/, 15_000, "the child server's port"))[1])
  return { child, port }
}

/** Samples a child's RSS every 100 ms; `stop()` returns the peak. */
export const sampleRss = (child: Child) => {
  let peak = 0
  const samples: Array<number> = []
  const timer = setInterval(() => {
    const rss = child.rss()
    if (rss === undefined) return
    samples.push(rss)
    peak = Math.max(peak, rss)
  }, 100)
  return {
    samples,
    peak: () => peak,
    stop: () => {
      clearInterval(timer)
      return peak
    }
  }
}

const running = new Set<Child>()
/** Kills every child still running (for `afterEach`). */
export const killAll = async (): Promise<void> => {
  await Promise.all([...running].map((c) => c.kill()))
}
