/**
 * Supervision for the handler fiber (DESIGN §6): when it dies, the failure is logged and counted
 * and the same body is started again on the same queues, so open connections stay open.
 * Whatever state the body kept in local variables starts afresh; state it keeps outside (a Ref, a
 * Map created before `Handler.fiber`) survives. The batch it was processing when it died is lost.
 */
import { Cause, Duration, Effect, Exit } from "effect"
import type { Stats } from "./stats.js"

/**
 * Runs `body` forever, restarting it after a failure or defect with a short, growing pause (10 ms
 * doubling up to 1 s, reset after a minute without failure) so a handler that fails at once does
 * not spin.
 *
 * @example
 * ```ts
 * yield* Effect.forkScoped(supervise("echo", handler.run(inbox, sender)))
 * ```
 */
export const supervise = (name: string, body: Effect.Effect<unknown, unknown>, stats?: Stats): Effect.Effect<never> =>
  Effect.gen(function*() {
    let pauseMs = 10
    let lastFailure = 0
    while (true) {
      const exit = yield* Effect.exit(body)
      if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.interrupt
      const now = Date.now()
      if (now - lastFailure > 60_000) pauseMs = 10
      lastFailure = now
      stats?.handlerRestarted()
      if (Exit.isFailure(exit)) {
        yield* Effect.logError(`handler "${name}" died; restarting in ${pauseMs} ms`, Cause.pretty(exit.cause))
      } else {
        yield* Effect.logWarning(`handler "${name}" returned; handlers loop forever; restarting in ${pauseMs} ms`)
      }
      yield* Effect.sleep(Duration.millis(pauseMs))
      pauseMs = Math.min(pauseMs * 2, 1000)
    }
  })
