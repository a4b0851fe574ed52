/**
 * The server's Effect scheduler: one task queue for all of a server's fibers, drained in rounds
 * within one event-loop turn.
 *
 * Why: Effect's default `MixedScheduler` gives every fiber its own dispatcher, and a task
 * scheduled while tasks run waits for the next `setImmediate` turn. A message crossing the
 * pipeline wakes the receiver, then the handler, then the sender, each from the one before, so
 * an idle server paid a full event-loop turn (an `epoll_wait` and the timer checks) per hop. Here
 * a task scheduled during a round runs in the next round of the same turn, up to `MAX_ROUNDS`
 * rounds; after that the rest waits for the next turn, so sockets and timers are never starved.
 * Order is unchanged: lower priority numbers first, FIFO within a priority (as `MixedScheduler`).
 *
 * @example
 * ```ts
 * Effect.provideService(program, Scheduler.Scheduler, PipelineScheduler.make())
 * ```
 */
import { Scheduler } from "effect"

/** Rounds per event-loop turn: a message's hops (receiver → handler → stages → sender) fit. */
const MAX_ROUNDS = 8

class Dispatcher implements Scheduler.SchedulerDispatcher {
  /** [priority, tasks] sorted by priority. */
  private buckets: Array<[number, Array<() => void>]> = []
  private scheduled = false

  scheduleTask(task: () => void, priority: number): void {
    const buckets = this.buckets
    let i = 0
    while (i < buckets.length && buckets[i]![0] < priority) i++
    const bucket = buckets[i]
    if (bucket !== undefined && bucket[0] === priority) bucket[1].push(task)
    else buckets.splice(i, 0, [priority, [task]])
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.turn)
    }
  }

  flush(): void {
    while (this.buckets.length > 0) this.round()
  }

  private readonly turn = (): void => {
    for (let n = 0; n < MAX_ROUNDS && this.buckets.length > 0; n++) this.round()
    if (this.buckets.length > 0) setImmediate(this.turn)
    else this.scheduled = false
  }

  /** Runs what is queued now; what these tasks schedule waits for the next round. */
  private round(): void {
    const buckets = this.buckets
    this.buckets = []
    for (let i = 0; i < buckets.length; i++) {
      const tasks = buckets[i]![1]
      for (let j = 0; j < tasks.length; j++) {
        try {
          tasks[j]!()
        } catch (defect) {
          // Fibers catch their own defects; should a task throw anyway, the others still run and
          // the error surfaces as an uncaught exception, as it would from `setImmediate`.
          queueMicrotask(() => {
            throw defect
          })
        }
      }
    }
  }
}

const yieldPolicy = new Scheduler.MixedScheduler()

/** A scheduler whose fibers share one dispatcher (see the module comment). */
export const make = (): Scheduler.Scheduler => {
  const dispatcher = new Dispatcher()
  return {
    executionMode: "async",
    shouldYield: (fiber) => yieldPolicy.shouldYield(fiber),
    makeDispatcher: () => dispatcher
  }
}
