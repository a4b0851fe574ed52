/**
 * A worker thread of `pnpm fuzz`: runs inputs [start, start + count) of the seed and posts progress
 * every 100k inputs and its result at the end (failures without their bulky inputs: the main
 * thread regenerates them from (seed, index)).
 */
import { parentPort, workerData } from "node:worker_threads"
import { runFuzz, type RunResult } from "./fuzz-codec-core.js"

const { seed, start, count, slowMs, heapEvery, warmup } = workerData as {
  seed: number
  start: number
  count: number
  slowMs: number
  heapEvery: number
  warmup: number
}
// Returned errors are values: their stack traces are pure cost here (ProtocolError extends Error).
Error.stackTraceLimit = 0
const strip = (r: RunResult) => ({ ...r, failures: r.failures.map((f) => ({ index: f.index, kind: f.kind, message: f.message })) })
const r = runFuzz({
  seed,
  start,
  count,
  slowMs,
  heapEvery,
  warmup,
  every: 100_000,
  progress: (done, x) =>
    parentPort!.postMessage({ type: "progress", done, failures: x.failures.length, bytes: x.bytes, heap: x.heap.at(-1)?.bytes })
})
parentPort!.postMessage({ type: "done", result: strip(r) })
