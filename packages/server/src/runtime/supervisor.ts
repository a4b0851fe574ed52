/**
 * Supervision of the pipeline's long-lived actors: when one dies, the failure is logged and
 * counted and the same body is started again on the same queues, so open connections stay open.
 * Whatever state the body kept in local variables starts afresh; state it keeps outside (a Ref, a
 * Map created before `Handler.fiber`) survives. The batch it was processing when it died is lost;
 * the endings in its inbox are not (they live in the inbox, see `Inbox`).
 */
import { Cause, Duration, Effect, Exit, Metric } from "effect"
import { metrics } from "./metrics.js"

/** Which kind of actor is supervised (for logs and `wspipe_actor_restarts{role}`). */
export type Role = "receiver" | "handler" | "stage" | "sender" | "bus"

/**
 * Runs `body` forever, restarting it after a failure or defect with a short, growing pause (10 ms
 * doubling up to 1 s, reset after a minute without failure) so an actor that fails at once does
 * not spin.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { supervise } from "@wspipe/server/internal"
 *
 * const program = supervise("stage", "audit", Effect.never)
 * ```
 */
export const supervise = <R>(role: Role, name: string, body: Effect.Effect<unknown, unknown, R>): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    let pauseMs = 10
    let lastFailure = 0
    const restarts = Metric.withAttributes(metrics.actorRestarts, { role, actor: name })
    while (true) {
      const exit = yield* Effect.exit(body)
      if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.interrupt
      const now = Date.now()
      if (now - lastFailure > 60_000) pauseMs = 10
      lastFailure = now
      yield* Metric.update(restarts, 1)
      if (role === "handler") yield* Metric.update(metrics.handlerRestarts, 1)
      if (Exit.isFailure(exit)) {
        yield* Effect.logError(`${role} "${name}" died; restarting in ${pauseMs} ms`, Cause.pretty(exit.cause))
      } else {
        yield* Effect.logWarning(`${role} "${name}" returned; actors loop forever; restarting in ${pauseMs} ms`)
      }
      yield* Effect.sleep(Duration.millis(pauseMs))
      pauseMs = Math.min(pauseMs * 2, 1000)
    }
  })
