/**
 * Many cores on one machine: `runCluster(n, main)` forks `n` worker processes with `node:cluster`,
 * each running `main` (a server on the same port: the primary hands connections out in turn),
 * joined through a bus for broadcasts and topics. The primary only supervises: a worker that
 * dies is replaced (after a short, growing pause), the others keep serving; SIGINT/SIGTERM to the
 * primary stops every worker gracefully (each closes its clients with 1001) and then exits.
 */
import cluster, { type Worker } from "node:cluster"

/** What `runCluster` tells the primary's stdout/stderr; one line each. */
export interface ClusterLog {
  readonly info: (line: string) => void
  readonly warn: (line: string) => void
}

const stderrLog: ClusterLog = {
  info: (line) => void process.stderr.write(`${line}\n`),
  warn: (line) => void process.stderr.write(`${line}\n`)
}

/** In a worker of `runCluster`: the primary prints this once, for the first worker ready. */
export const announceReady = (url: string): void => {
  if (cluster.isWorker && process.send !== undefined) process.send({ wspipe: "listening", url })
}

/** Is this process a worker of `runCluster`? */
export const isWorker = (): boolean => cluster.isWorker

/**
 * Runs `main` in `workers` worker processes (the primary supervises), or in this process when
 * `workers` is 1 or this already is a worker.
 *
 * @example
 * ```ts
 * import { Server } from "@wspipe/server"
 *
 * Server.runCluster(4, () => {
 *   // start the server here (each worker listens on the same port)
 * })
 * ```
 */
export const runCluster = (workers: number, main: () => void, log: ClusterLog = stderrLog): void => {
  if (workers <= 1 || cluster.isWorker) return main()
  let stopping = false
  let announced = false
  let pauseMs = 100
  let lastDeath = 0
  const live = new Set<Worker>()
  const slots = new Map<Worker, number>()

  // A replacement takes the dead worker's slot, so per-worker resources (a metrics port) stay put.
  const fork = (slot: number) => {
    const worker = cluster.fork({ [WORKER_SLOT]: String(slot) })
    live.add(worker)
    slots.set(worker, slot)
    worker.on("message", (message: { wspipe?: string; url?: string }) => {
      if (message?.wspipe !== "listening" || announced) return
      announced = true
      process.stdout.write(`listening on ${message.url} (${workers} workers)\n`)
    })
    log.info(`worker ${worker.process.pid} started`)
  }

  cluster.on("exit", (worker, code, signal) => {
    live.delete(worker)
    const slot = slots.get(worker) ?? 0
    slots.delete(worker)
    if (stopping) {
      if (live.size === 0) process.exit(0)
      return
    }
    const now = Date.now()
    pauseMs = now - lastDeath > 60_000 ? 100 : Math.min(pauseMs * 2, 5_000)
    lastDeath = now
    log.warn(`worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another in ${pauseMs} ms`)
    setTimeout(() => {
      if (!stopping) fork(slot)
    }, pauseMs).unref()
  })

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log.info(`${signal}: stopping ${live.size} worker(s)`)
    if (live.size === 0) process.exit(0)
    for (const worker of live) worker.process.kill("SIGTERM")
    // A worker's own shutdown is bounded (shutdownTimeoutMs); this only guards a stuck one.
    setTimeout(() => {
      for (const worker of live) worker.process.kill("SIGKILL")
      process.exit(1)
    }, 30_000).unref()
  }
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
  for (let i = 0; i < workers; i++) fork(i)
}

const WORKER_SLOT = "WSPIPE_WORKER_SLOT"

/**
 * This worker's slot under {@link runCluster}: 0 … workers − 1, kept by a replacement worker;
 * `undefined` outside a cluster. For what each worker needs its own of, such as a metrics port.
 *
 * @example
 * ```ts
 * import { Server } from "@wspipe/server"
 *
 * const metricsPort = 9464 + (Server.workerSlot() ?? 0)
 * ```
 */
export const workerSlot = (): number | undefined => {
  if (!cluster.isWorker) return undefined
  const slot = Number(process.env[WORKER_SLOT])
  return Number.isInteger(slot) && slot >= 0 ? slot : undefined
}
