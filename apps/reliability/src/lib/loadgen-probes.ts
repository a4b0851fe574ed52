/**
 * The stall measurement's probes run by the C load generator (apps/bench/loadgen) in a process of
 * its own, instead of {@link RawConn}s in this one: each probe connection offers
 * permessage-deflate as a browser does, sends a JSON text of `size` bytes compressed, waits for
 * its echo (checked byte for byte), pauses, repeats. Why: this process also starts the big client
 * and handles its 16 MiB buffers; its own event-loop delay (7.7–21 ms p99, measured) landed in
 * the probes' round trips. The load generator does nothing else, answers in C, and the kernel
 * wakes it promptly when the big client's thread is busy on the same CPU.
 *
 * Its answers come back in a file (`--rtt-log`) with CLOCK_MONOTONIC times, the clock of
 * `monotonicMs` (stall.ts), which the stall's big-message windows use too.
 *
 * @module
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildC } from "../../../bench/src/build.js"

export interface ProbeAnswer {
  readonly probe: number
  /** When the echo arrived, ms (`monotonicMs` in stall.ts). */
  readonly at: number
  /** Its round trip, ms. */
  readonly rtt: number
}

export interface LoadgenProbes {
  /** Stops the probes (SIGINT ends the load generator's run) and returns every answer. */
  stop(): Promise<ReadonlyArray<ProbeAnswer>>
}

export interface LoadgenProbeOptions {
  readonly port: number
  readonly probes: number
  readonly pauseMs: number
  /** JSON message bytes (the load generator's minimum is 128). */
  readonly size: number
}

/** Starts the probes; resolves once every probe connection is open and sending. */
export const startLoadgenProbes = async (o: LoadgenProbeOptions): Promise<LoadgenProbes> => {
  const { loadgen } = buildC()
  const dir = mkdtempSync(join(tmpdir(), "wspipe-probes-"))
  const log = join(dir, "rtt.log")
  const args = ["echo", "--port", String(o.port), "-c", String(o.probes), "-d", "1", "-s", String(o.size)]
  args.push("--json", "--deflate", "--pause-us", String(o.pauseMs * 1000), "-t", "3000", "--threads", "1")
  args.push("--rtt-log", log)
  const child = spawn(loadgen, args, { stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes("loadgen: measuring")) resolve()
    })
    void exited.then((code) => reject(new Error(`the probes' load generator exited (${code}) before measuring: ${stderr}`)))
  })
  return {
    stop: async () => {
      child.kill("SIGINT")
      const code = await exited
      try {
        const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
          ok?: boolean
          error?: string | null
          deflate?: { agreed?: number }
        }
        if (code !== 0 || result.ok !== true) throw new Error(`the probes failed (exit ${code}): ${result.error ?? stderr}`)
        if (result.deflate?.agreed !== o.probes)
          throw new Error(`permessage-deflate was agreed on ${result.deflate?.agreed} of ${o.probes} probes`)
        return readFileSync(log, "utf8")
          .split("\n")
          .filter((line) => line.length > 0)
          .map((line) => {
            const [at, rtt, id] = line.split(" ").map(Number) as [number, number, number]
            return { probe: id, at: at / 1e6, rtt: rtt / 1e6 }
          })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}
