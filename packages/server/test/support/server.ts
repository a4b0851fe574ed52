/**
 * Starting a server for a test: `Server.listen` on 127.0.0.1, a free port, in its own scope, so a
 * test can close it (graceful shutdown) before the test's scope ends. The test's scope closes it
 * anyway.
 */
import { Effect, Exit, Scope } from "effect"
import { Server, type Handler, type Pipeline } from "../../src/index.js"
import type { ListenOptions, Running as ServerHandle } from "../../src/runtime/server.js"

export interface Running {
  readonly server: ServerHandle
  readonly url: string
  readonly port: number
  /** Graceful shutdown (closes the server's scope). */
  readonly close: Effect.Effect<void>
}

export const start = <I, O, R = never>(
  handler: Handler.Handler<I, O, R> | Pipeline.PipelineConfig<I, O, R>,
  options: Omit<ListenOptions, "host" | "port"> = {}
): Effect.Effect<Running, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const server = yield* Server.listen(handler, { ...options, host: "127.0.0.1", port: 0 }).pipe(Scope.provide(scope), Effect.orDie)
    return { server, url: server.url!, port: server.port!, close: Scope.close(scope, Exit.void) }
  })
