/**
 * Runs big (de)compression jobs in bounded slices, one slice per event-loop turn, so a 16 MiB
 * message never holds the loop longer than one slice (sockets, timers and the other connections'
 * messages run between slices). At most `maxConcurrent` jobs are started (each holds a zlib
 * context); the others wait in FIFO order and hold only their input.
 *
 * @module
 */

/** A job run by the {@link Slicer}. */
export interface SlicedJob {
  /** Acquire what the job needs (a zlib context); called once, when the slicer starts it. */
  start(): void
  /** Run one bounded slice; true when the job is finished (it has delivered its result). */
  step(): boolean
  /** Drop the job (connection closed): release what `start` acquired. */
  abort(): void
}

/** Counters, for tests and metrics. */
export interface SlicerStats {
  /** Slices run since creation (each in its own event-loop turn). */
  slices: number
  /** Jobs submitted since creation. */
  jobs: number
}

/**
 * The job scheduler of one engine.
 *
 * @example
 * ```ts
 * import { Slicer, type SlicedJob } from "../src/deflate/index.js" // internal: not exported from the package root
 * declare const job: SlicedJob
 * const slicer = new Slicer(2)
 * slicer.submit(job) // job.start() when a slot is free, then job.step() once per turn until done
 * ```
 */
export class Slicer {
  private readonly active: Array<SlicedJob> = []
  private readonly waiting: Array<SlicedJob> = []
  private next = 0
  private scheduled = false
  readonly stats: SlicerStats = { slices: 0, jobs: 0 }

  constructor(
    readonly maxConcurrent: number,
    private readonly schedule: (turn: () => void) => void = (turn) => setImmediate(turn)
  ) {}

  /** Jobs started and not finished. */
  get running(): number {
    return this.active.length
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length
  }

  submit(job: SlicedJob): void {
    this.stats.jobs++
    if (this.active.length < this.maxConcurrent) {
      this.active.push(job)
      job.start()
    } else this.waiting.push(job)
    this.wake()
  }

  /** Removes a job that has not finished (its connection closed) and aborts it. */
  cancel(job: SlicedJob): void {
    const w = this.waiting.indexOf(job)
    if (w >= 0) {
      this.waiting.splice(w, 1)
      return
    }
    const a = this.active.indexOf(job)
    if (a < 0) return
    this.active.splice(a, 1)
    job.abort()
    this.fill()
    this.wake()
  }

  private wake(): void {
    if (this.scheduled || this.active.length === 0) return
    this.scheduled = true
    this.schedule(this.turn)
  }

  private fill(): void {
    while (this.active.length < this.maxConcurrent && this.waiting.length > 0) {
      const job = this.waiting.shift()!
      this.active.push(job)
      job.start()
    }
  }

  /** One turn: one slice of the next started job (round robin). */
  private readonly turn = (): void => {
    this.scheduled = false
    if (this.active.length === 0) return
    if (this.next >= this.active.length) this.next = 0
    const job = this.active[this.next]!
    this.stats.slices++
    let done: boolean
    try {
      done = job.step()
    } catch (defect) {
      done = true
      queueMicrotask(() => {
        throw defect
      })
    }
    if (done) {
      const i = this.active.indexOf(job)
      if (i >= 0) this.active.splice(i, 1)
      this.fill()
    } else this.next++
    this.wake()
  }
}
