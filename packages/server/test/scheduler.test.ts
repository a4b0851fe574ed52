/** The server's scheduler: hops chained in one event-loop turn, priorities, and no starvation. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue, Scheduler } from "effect"
import * as PipelineScheduler from "../src/runtime/scheduler.js"

const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("PipelineScheduler", () => {
  it("a task scheduled by a running task runs in the same turn (before a later setImmediate)", async () => {
    const dispatcher = PipelineScheduler.make().makeDispatcher()
    const log: Array<string> = []
    dispatcher.scheduleTask(() => {
      log.push("receiver")
      dispatcher.scheduleTask(() => {
        log.push("handler")
        dispatcher.scheduleTask(() => log.push("sender"), 0)
      }, 0)
    }, 0)
    setImmediate(() => log.push("next turn"))
    await nextImmediate()
    await nextImmediate()
    expect(log).toEqual(["receiver", "handler", "sender", "next turn"])
  })

  it("lower priority numbers run first, FIFO within a priority", async () => {
    const dispatcher = PipelineScheduler.make().makeDispatcher()
    const log: Array<string> = []
    dispatcher.scheduleTask(() => log.push("p1"), 1)
    dispatcher.scheduleTask(() => log.push("p0 a"), 0)
    dispatcher.scheduleTask(() => log.push("p0 b"), 0)
    dispatcher.scheduleTask(() => log.push("p-1"), -1)
    await nextImmediate()
    expect(log).toEqual(["p-1", "p0 a", "p0 b", "p1"])
  })

  it("a task that keeps rescheduling itself does not starve the event loop", async () => {
    const dispatcher = PipelineScheduler.make().makeDispatcher()
    let runs = 0
    let stop = false
    // Bounded, so that a scheduler that never yields fails this test instead of hanging it.
    const spin = (): void => {
      runs++
      if (!stop && runs < 100) dispatcher.scheduleTask(spin, 0)
    }
    dispatcher.scheduleTask(spin, 0)
    await nextImmediate() // resolved from the event loop: the spinning task yielded to it
    const runsBeforeLoop = runs
    stop = true
    expect(runsBeforeLoop).toBeGreaterThan(1)
    expect(runsBeforeLoop).toBeLessThanOrEqual(8)
  })

  it("flush runs everything queued, including what it schedules, at once", () => {
    const dispatcher = PipelineScheduler.make().makeDispatcher()
    const log: Array<number> = []
    dispatcher.scheduleTask(() => {
      log.push(1)
      dispatcher.scheduleTask(() => log.push(2), 0)
    }, 0)
    dispatcher.flush()
    expect(log).toEqual([1, 2])
  })

  it.live("fibers passing a message through three queues finish it within one event-loop turn", () =>
    Effect.gen(function* () {
      const a = yield* Queue.bounded<number>(8)
      const b = yield* Queue.bounded<number>(8)
      const c = yield* Queue.bounded<number>(8)
      const log: Array<string> = []
      yield* Effect.forkChild(Effect.forever(Effect.flatMap(Queue.take(a), (n) => Queue.offer(b, n + 1))))
      yield* Effect.forkChild(Effect.forever(Effect.flatMap(Queue.take(b), (n) => Queue.offer(c, n + 1))))
      yield* Effect.forkChild(Effect.forever(Effect.map(Queue.take(c), (n) => log.push(`got ${n}`))))
      yield* Effect.sleep(5) // every relay waits on its queue
      yield* Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            // From a plain event-loop callback (like a socket's), then a marker one turn later.
            Queue.offerUnsafe(a, 1)
            setImmediate(() =>
              setImmediate(() => {
                log.push("two turns later")
                resolve()
              })
            )
          })
      )
      expect(log).toEqual(["got 3", "two turns later"])
    }).pipe(Effect.provideService(Scheduler.Scheduler, PipelineScheduler.make()))
  )
})
