// Runs the C load generator (pinned to its CPU) and parses its one JSON line of results.
import { spawnPinned } from "./servers.js"

export interface LoadgenResult {
  readonly mode: "echo" | "broadcast" | "connect" | "idle" | "storm"
  readonly ok: boolean
  readonly error: string | null
  readonly threads: number
  readonly connections: number
  readonly seconds: number
  readonly messages?: number
  readonly msgs_per_s?: number
  readonly mb_per_s?: number
  readonly deliveries_per_s?: number
  readonly handshakes_per_s?: number
  readonly connections_held?: number
  /** storm: connections whose echo came back, and ms from the first connect() to the last echo. */
  readonly echoed?: number
  readonly storm_ms?: number
  readonly sender_received?: number
  /** broadcast: the sender's rate (0: saturating) and how many messages it sent (warm-up included). */
  readonly rate?: number
  readonly sent?: number
  readonly latency_us?: { p50: number; p99: number; p999: number; max: number; samples: number }
  readonly other_messages: number
  readonly missed: number
  readonly unclean_closes: number
  readonly errors: number
  /** The measured window, CLOCK_MONOTONIC ns (the clock of V8's .cpuprofile timestamps). */
  readonly window_mono_ns: readonly [number, number]
  readonly loadgen_cpu: { user_s: number; sys_s: number; cores: number; ns_per_msg: number }
  /** With --json (loadgen/pmd.c): the permessage-deflate agreement and the bytes on the wire. */
  readonly deflate?: LoadgenDeflate
}

export interface LoadgenDeflate {
  readonly offered: boolean
  readonly agreed: number
  readonly declined: number
  readonly answer: string
  readonly client_takeover?: boolean
  readonly server_takeover?: boolean
  readonly sent: { messages: number; plain_bytes: number; wire_bytes: number; ratio: number }
  readonly received: {
    messages: number
    compressed: number
    plain_bytes: number
    wire_bytes: number
    ratio: number
    inflated: number
    reused: number
  }
}

export interface LoadgenRun {
  readonly result: LoadgenResult | null
  readonly exitCode: number | null
  readonly stderr: string
}

/**
 * Runs `loadgen MODE args...`; never rejects: a failed run comes back with result.ok false
 * or result null (and the stderr that says why). Killed if it overruns `timeoutMs`.
 */
export function runLoadgen(
  bin: string,
  cpu: string | null,
  args: string[],
  opts: { timeoutMs: number; onStderrLine?: (line: string) => void }
): Promise<LoadgenRun> {
  return new Promise((resolve) => {
    const child = spawnPinned(cpu, bin, args)
    let stdout = ""
    let stderr = ""
    let partial = ""
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr?.on("data", (d: Buffer) => {
      const text = d.toString()
      stderr += text
      partial += text
      const lines = partial.split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) opts.onStderrLine?.(line)
    })
    const timer = setTimeout(() => {
      stderr += `\nloadgen overran its ${opts.timeoutMs / 1000} s budget and was killed`
      child.kill("SIGKILL")
    }, opts.timeoutMs)
    child.on("close", (code) => {
      clearTimeout(timer)
      const line = stdout.trim().split("\n").pop() ?? ""
      let result: LoadgenResult | null = null
      try {
        result = line ? (JSON.parse(line) as LoadgenResult) : null
      } catch {
        stderr += `\nunparseable loadgen output: ${line.slice(0, 200)}`
      }
      resolve({ result, exitCode: code, stderr })
    })
  })
}
