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
 * import { Effect, Scheduler } from "effect"
 * import { PipelineScheduler } from "@wspipe/server/internal"
 *
 * const program = Effect.provideService(Effect.log("on one dispatcher"), Scheduler.Scheduler, PipelineScheduler.make())
 * ```
 */
import { Scheduler } from "effect"

/** Rounds per event-loop turn: a message's hops (receiver → handler → stages → sender) fit. */
const MAX_ROUNDS = 8

class Dispatcher implements Scheduler.SchedulerDispatcher {
  // Nearly every task has priority 0: they go to a plain array, swapped with a spare each round,
  // so scheduling allocates nothing. Other priorities keep sorted buckets.
  private zero: Array<() => void> = []
  private spare: Array<() => void> | undefined = []
  /** [priority, tasks] for priorities other than 0, sorted by priority. */
  private others: Array<[number, Array<() => void>]> = []
  private scheduled = false

  scheduleTask(task: () => void, priority: number): void {
    if (priority === 0) this.zero.push(task)
    else {
      const others = this.others
      let i = 0
      while (i < others.length && others[i]![0] < priority) i++
      const bucket = others[i]
      if (bucket !== undefined && bucket[0] === priority) bucket[1].push(task)
      else others.splice(i, 0, [priority, [task]])
    }
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.turn)
    }
  }

  flush(): void {
    while (this.pending()) this.round()
  }

  private pending(): boolean {
    return this.zero.length > 0 || this.others.length > 0
  }

  private readonly turn = (): void => {
    for (let n = 0; n < MAX_ROUNDS && this.pending(); n++) this.round()
    if (this.pending()) setImmediate(this.turn)
    else this.scheduled = false
  }

  /** Runs what is queued now, lower priorities first; what these tasks schedule waits a round. */
  private round(): void {
    const zero = this.zero
    this.zero = this.spare ?? []
    this.spare = undefined // a re-entrant round (a task calling flush) gets a fresh array
    const others = this.others
    if (others.length > 0) this.others = []
    let i = 0
    for (; i < others.length && others[i]![0] < 0; i++) runAll(others[i]![1])
    runAll(zero)
    for (; i < others.length; i++) runAll(others[i]![1])
    zero.length = 0
    this.spare = zero
  }
}

const runAll = (tasks: ReadonlyArray<() => void>): void => {
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
