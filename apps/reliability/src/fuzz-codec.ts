/**
 * `pnpm fuzz [--count 10M] [--seed S] [--workers 2] [--slow-ms 100] [--docs no]`
 * `pnpm fuzz --replay apps/reliability/repro/fuzz-S-I.json`   (or `--seed S --index I`)
 *
 * Random and mutated inputs through FrameParser (server and client role) and the handshake
 * (RequestHeadParser + validateUpgrade); see fuzz-codec-core.ts for what is checked. Prints the
 * seed, progress, throughput and heap drift; writes failing inputs to apps/reliability/repro/.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"
import { join, relative } from "node:path"
import { fail, num, parseFlags } from "./lib/args.js"
import { repoRoot } from "./lib/child.js"
import { fmt, mib, pct, writeSection } from "./lib/report.js"
import { randomSeed } from "./lib/rng.js"
import { check, generate, heapDrift, type Failure, type RunResult } from "./fuzz-codec-core.js"

const flags = parseFlags(process.argv.slice(2), ["count", "seed", "slow-ms", "docs", "replay", "index", "workers"])
const reproDir = join(repoRoot, "apps", "reliability", "repro")

/** Replays one input and prints what happened; exit 1 if it still fails. */
const replay = (seed: number, index: number): never => {
  const input = generate(seed, index)
  console.log(
    `replay seed ${seed} index ${index}: kind ${input.kind}, role ${input.role}, ${input.bytes.length} bytes ` +
      `in ${input.sizes.length} chunks, maxFrameSize ${input.maxFrameSize}, maxMessageSize ${input.maxMessageSize}` +
      `${input.maxHeadSize !== undefined ? `, maxHeadSize ${input.maxHeadSize}` : ""}`
  )
  console.log(`bytes (hex, first 256): ${Buffer.from(input.bytes.subarray(0, 256)).toString("hex")}`)
  const t = performance.now()
  try {
    const outcome = check(input)
    console.log(`outcome: ${outcome} in ${(performance.now() - t).toFixed(2)} ms — passes now`)
    process.exit(0)
  } catch (error) {
    console.log(`FAILS: ${error instanceof Error ? error.stack : String(error)}`)
    process.exit(1)
  }
}

const saveFailure = (seed: number, f: Failure): string => {
  mkdirSync(reproDir, { recursive: true })
  const file = join(reproDir, `fuzz-${seed}-${f.index}.json`)
  const i = f.input
  writeFileSync(
    file,
    JSON.stringify(
      {
        seed,
        index: f.index,
        kind: f.kind,
        message: f.message,
        role: i.role,
        maxFrameSize: i.maxFrameSize,
        maxMessageSize: i.maxMessageSize,
        maxHeadSize: i.maxHeadSize ?? null,
        chunkSizes: i.sizes,
        bytesBase64: Buffer.from(i.bytes).toString("base64")
      },
      null,
      1
    ) + "\n"
  )
  return relative(repoRoot, file)
}

const tsxApi = import.meta.resolve("tsx/esm/api")
const workerUrl = new URL("./fuzz-worker.ts", import.meta.url).href

type Progress = { done: number; failures: number; bytes: number; heap: number | undefined }
type Stripped = Omit<RunResult, "failures"> & { failures: Array<Omit<Failure, "input">> }

/** Runs the index range split over worker threads (inputs are independent); merges results. */
const runWorkers = (seed: number, count: number, workers: number, slowMs: number): Promise<Stripped[]> => {
  const per = Math.ceil(count / workers)
  const progress: Progress[] = []
  const t0 = performance.now()
  let next = Math.min(1_000_000, Math.max(100_000, Math.floor(count / 10)))
  return Promise.all(
    Array.from(
      { length: workers },
      (_, w) =>
        new Promise<Stripped>((resolve, reject) => {
          const start = w * per
          const n = Math.max(0, Math.min(per, count - start))
          progress[w] = { done: 0, failures: 0, bytes: 0, heap: undefined }
          // Node 20 does not carry tsx's loader hooks into workers: register them in the worker first.
          const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}) })`
          const worker = new Worker(boot, {
            eval: true,
            workerData: {
              seed,
              start,
              count: n,
              slowMs,
              heapEvery: Math.max(1_000, Math.min(100_000, Math.floor(n / 50))),
              warmup: Math.min(1_000_000, Math.floor(n / 10))
            }
          })
          worker.on("message", (m: ({ type: "progress" } & Progress) | { type: "done"; result: Stripped }) => {
            if (m.type === "done") {
              resolve(m.result)
              return
            }
            progress[w] = m
            const done = progress.reduce((a, p) => a + p.done, 0)
            if (done < next) return
            next += Math.min(1_000_000, Math.max(100_000, Math.floor(count / 10)))
            const secs = (performance.now() - t0) / 1000
            console.log(
              `${fmt(done)} inputs, ${secs.toFixed(0)} s, ${fmt(done / secs)} inputs/s, ` +
                `${mib(progress.reduce((a, p) => a + p.bytes, 0))}, failures ${progress.reduce((a, p) => a + p.failures, 0)}, ` +
                `heap ${progress.map((p) => (p.heap === undefined ? "-" : mib(p.heap))).join(" / ")}`
            )
          })
          worker.on("error", reject)
          worker.on("exit", (code) => {
            if (code !== 0) reject(new Error(`fuzz worker ${w} exited with ${code}`))
          })
        })
    )
  )
}

const merge = (seed: number, parts: Stripped[], ms: number): { r: RunResult; drifts: ReturnType<typeof heapDrift>[] } => {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
  }
  const kinds: Record<string, number> = {}
  const outcomes: Record<string, number> = {}
  for (const p of parts) {
    add(kinds, p.kinds)
    add(outcomes, p.outcomes)
  }
  const failures = parts.flatMap((p) => p.failures).map((f) => ({ ...f, input: generate(seed, f.index) }))
  const r: RunResult = {
    seed,
    count: parts.reduce((a, p) => a + p.count, 0),
    ms,
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
    kinds,
    outcomes,
    failures,
    retriedSlow: parts.reduce((a, p) => a + p.retriedSlow, 0),
    maxMs: Math.max(...parts.map((p) => p.maxMs)),
    heap: parts[0]!.heap,
    warmup: parts[0]!.warmup
  }
  return { r, drifts: parts.map((p) => heapDrift(p as RunResult)) }
}

const main = async (): Promise<void> => {
  if (flags["replay"] !== undefined) {
    const saved = JSON.parse(readFileSync(flags["replay"], "utf8")) as { seed: number; index: number }
    replay(saved.seed, saved.index)
  }
  const seed = flags["seed"] !== undefined ? num(flags, "seed", 0) >>> 0 : randomSeed()
  if (flags["index"] !== undefined) replay(seed, num(flags, "index", 0))
  const count = Math.floor(num(flags, "count", 10_000_000))
  if (count < 1) fail("--count must be at least 1")
  const slowMs = num(flags, "slow-ms", 100)
  const workers = Math.max(1, Math.min(Math.floor(num(flags, "workers", Math.min(2, availableParallelism()))), 16))
  console.log(`codec fuzz: seed ${seed}, ${fmt(count)} inputs on ${workers} worker thread(s), hang limit ${slowMs} ms per input`)
  console.log(`replay any input with: pnpm fuzz --seed ${seed} --index <i>`)
  const t0 = performance.now()
  const { r, drifts } = merge(seed, await runWorkers(seed, count, workers, slowMs), performance.now() - t0)
  const files = r.failures.map((f) => {
    const file = saveFailure(seed, f)
    console.log(`FAILURE at index ${f.index} (${f.kind}): ${f.message}\n  saved ${file}; replay: pnpm fuzz --replay ${file}`)
    return { f, file }
  })
  const text = summary(r, files, drifts, workers)
  console.log("\n" + text)
  if (flags["docs"] !== "no") writeSection("fuzz", text)
  process.exit(r.failures.length === 0 ? 0 : 1)
}

const summary = (
  r: RunResult,
  files: Array<{ f: Failure; file: string }>,
  drifts: ReturnType<typeof heapDrift>[],
  workers: number
): string => {
  const secs = r.ms / 1000
  const sorted = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(", ")
  return [
    `**${r.failures.length === 0 ? "PASS" : "FAIL"}** — run ${new Date().toISOString().slice(0, 16)}Z, seed ${r.seed}: ` +
      `${fmt(r.count)} inputs (${mib(r.bytes)}) in ${(secs / 60).toFixed(1)} min, ${fmt(r.count / secs)} inputs/s, ` +
      `Node ${process.version}, ${workers} worker thread(s) on a shared 2-core machine.`,
    "",
    "| | |",
    "|---|---|",
    `| inputs by kind | ${sorted(r.kinds)} |`,
    `| outcomes | ${sorted(r.outcomes)} |`,
    `| exceptions / wrong codes / differential mismatches / hangs | ${r.failures.length === 0 ? "0 / 0 / 0 / 0" : `${r.failures.length} failures (below)`} |`,
    `| slowest input (per-input limit 100 ms) | ${r.maxMs.toFixed(1)} ms; ${r.retriedSlow} inputs were over the limit once and fast when re-timed (scheduler stalls on a shared 2-core machine) |`,
    ...drifts.map((h, w) =>
      h === undefined
        ? `| heap (worker ${w}) | too few samples |`
        : `| heapUsed after full GC, worker ${w} (after ${fmt(r.warmup)} warm-up inputs, every ${fmt(r.count / workers / 50 > 100_000 ? 100_000 : Math.max(1000, Math.floor(r.count / workers / 50)))} inputs) | base ${mib(h.base)}, max ${mib(h.max)}, last ${mib(h.last)}: **drift ${pct(h.drift)}** |`
    ),
    ...files.map(({ f, file }) => `\nFailure: index ${f.index} (${f.kind}): ${f.message} — \`pnpm fuzz --replay ${file}\``)
  ].join("\n")
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error)
  process.exit(1)
})
