/**
 * Handler fiber supervision: a handler that dies is restarted on the same queues, its
 * connections stay open, and the restart is counted in `Metrics.metrics.handlerRestarts`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Metric, Queue, Schedule } from "effect"
import { Metrics } from "../src/index.js"
import { supervise } from "../src/internal.js"
import { connect } from "./support/client.js"
import { router } from "./support/router.js"
import { start } from "./support/server.js"

const restarts = Metric.value(Metrics.metrics.handlerRestarts).pipe(Effect.map((s) => Number(s.count)))

/** Polls the restart counter (bounded). */
const waitForRestarts = (n: number) =>
  restarts.pipe(Effect.repeat({ until: (count) => count >= n, schedule: Schedule.spaced("5 millis") }), Effect.timeout("5 seconds"))

describe("handler supervision", () => {
  it.live("a handler fiber that dies is restarted; open connections keep working; the restart is counted", () =>
    Effect.gen(function* () {
      const before = yield* restarts
      const { handler, conns } = router()
      const { url, server } = yield* start(handler)
      const a = yield* connect(url)
      const b = yield* connect(url)
      const aId = Number((yield* a.nextText()).slice(3))
      yield* b.nextText()

      yield* a.send("crash")
      // The batch being processed when it died is lost (supervisor.ts); wait for the restart.
      yield* waitForRestarts(before + 1)
      yield* a.send("after the crash")
      expect(yield* a.nextText()).toBe("after the crash")
      yield* b.send(`to ${aId} from b`)
      expect(yield* a.nextText()).toBe("from b")
      expect(server.connections()).toBe(2)
      expect(conns.size).toBe(2)
      expect(a.closeInfo).toBeUndefined()
      expect(yield* restarts).toBe(before + 1)

      // And again: each death is one more restart.
      yield* b.send("crash")
      yield* waitForRestarts(before + 2)
      yield* b.send("second life")
      expect(yield* b.nextText()).toBe("second life")
      expect(yield* restarts).toBe(before + 2)

      // New connections are announced to the restarted handler.
      const c = yield* connect(url)
      expect(yield* c.nextText()).toMatch(/^id:\d+$/)
    })
  )

  it.live("supervise restarts a body that fails, and stops when interrupted", () =>
    Effect.gen(function* () {
      const before = yield* restarts
      const runs = yield* Queue.unbounded<number>()
      let n = 0
      const body = Effect.gen(function* () {
        n++
        yield* Queue.offer(runs, n)
        if (n < 3) return yield* Effect.fail(`failure ${n}`)
        return yield* Effect.never
      })
      const fiber = yield* Effect.forkChild(supervise("handler", "test", body))
      expect(yield* Queue.take(runs)).toBe(1)
      expect(yield* Queue.take(runs)).toBe(2)
      expect(yield* Queue.take(runs)).toBe(3)
      expect(yield* restarts).toBe(before + 2)
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      expect(exit._tag).toBe("Failure")
      expect(n).toBe(3)
    })
  )
})
