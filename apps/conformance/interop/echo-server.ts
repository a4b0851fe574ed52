/**
 * Starts a wspipe server process for the interop tests and stops it afterwards.
 *
 * Contract of the server scripts (apps/echo/src/main.ts and interop/close-server.ts): started with
 * `--port 0 --host 127.0.0.1`, they print exactly one line `listening on ws://127.0.0.1:PORT/` on
 * stdout when ready and exit on SIGTERM. We run them as `node --import tsx SCRIPT` (the same thing
 * `npx tsx` does, minus npx's wrapper process) so that the pid we signal is the server itself and
 * SIGTERM cannot be lost in a wrapper, leaving an orphan server behind.
 *
 * INTEROP_ECHO_SCRIPT=/path/to/script overrides the echo app, e.g. to run the same interop tests
 * against another server with the same CLI, or against a deliberately broken echo to see the
 * tests fail.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { repoRoot } from "./util.js"

export const echoAppScript = join(repoRoot, "apps/echo/src/main.ts")
export const closeServerScript = join(repoRoot, "apps/conformance/interop/close-server.ts")

export interface StopResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** true when the process ignored SIGTERM and had to be SIGKILLed. */
  readonly forced: boolean
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  /** Everything the process printed so far (stdout and stderr, capped), for failure messages. */
  output(): string
  /** SIGTERM, then SIGKILL if it has not exited within the stop timeout. Idempotent. */
  stop(): Promise<StopResult>
}

export interface StartOptions {
  readonly readyTimeoutMs?: number
  readonly stopTimeoutMs?: number
  readonly env?: Record<string, string>
}

const READY_LINE = /^listening on (ws:\/\/127\.0\.0\.1:(\d+)\/)$/
const OUTPUT_CAP = 64 * 1024

export function startEchoServer(options: StartOptions = {}): Promise<RunningServer> {
  return startServerScript(process.env.INTEROP_ECHO_SCRIPT || echoAppScript, options)
}

/** Starts interop/close-server.ts (INTEROP_CLOSE_SCRIPT overrides it, like INTEROP_ECHO_SCRIPT). */
export function startCloseServer(options: StartOptions = {}): Promise<RunningServer> {
  return startServerScript(process.env.INTEROP_CLOSE_SCRIPT || closeServerScript, options)
}

export function startServerScript(script: string, options: StartOptions = {}): Promise<RunningServer> {
  // Generous: the first start compiles the whole Effect-based server with tsx.
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000
  const child = spawn(process.execPath, ["--import", "tsx", script, "--port", "0", "--host", "127.0.0.1"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env }
  })

  let output = ""
  const record = (chunk: Buffer) => {
    output += chunk.toString("utf8")
    if (output.length > OUTPUT_CAP) output = output.slice(-OUTPUT_CAP)
  }
  child.stderr.on("data", record)

  const exited = new Promise<StopResult & { forced: false }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, forced: false }))
  })

  let stopping: Promise<StopResult> | undefined
  const stop = (): Promise<StopResult> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      child.kill("SIGTERM")
      let timer: NodeJS.Timeout | undefined
      const killed = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), stopTimeoutMs)
      })
      const first = await Promise.race([exited, killed])
      clearTimeout(timer)
      if (first !== "timeout") return first
      child.kill("SIGKILL")
      const after = await exited
      return { ...after, forced: true }
    })()
    return stopping
  }

  return new Promise<RunningServer>((resolve, reject) => {
    let stdoutBuf = ""
    let settled = false
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void stop().then(() => reject(new Error(`${why}\n--- server output (${script}) ---\n${output}`)))
    }
    const timer = setTimeout(() => fail(`server did not print its listening line within ${readyTimeoutMs} ms`), readyTimeoutMs)
    child.once("error", (err) => fail(`could not spawn server: ${err.message}`))
    child.once("exit", (code, signal) => fail(`server exited before it was ready (code ${code}, signal ${signal})`))
    child.stdout.on("data", (chunk: Buffer) => {
      record(chunk)
      if (settled) return
      stdoutBuf += chunk.toString("utf8")
      const nl = stdoutBuf.indexOf("\n")
      if (nl < 0) return
      // The ready line must be the first stdout line: that is the contract, and a stray line before
      // it would break any tool that reads the URL the same way.
      const first = stdoutBuf.slice(0, nl).replace(/\r$/, "")
      const m = READY_LINE.exec(first)
      if (!m) return fail(`first stdout line is not "listening on ws://127.0.0.1:PORT/": ${JSON.stringify(first)}`)
      settled = true
      clearTimeout(timer)
      resolve({ url: m[1]!, port: Number(m[2]), output: () => output, stop })
    })
  })
}
