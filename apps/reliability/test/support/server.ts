/**
 * An in-process server for a test: `Server.listen` on 127.0.0.1 and a free port, in its own
 * scope, with its log lines captured. `stopAll` (in `afterEach`) closes every scope.
 */
import { Server, type Handler } from "@wspipe/server"
type ServerOptions = Server.ServerOptions
import { Effect, Exit, Logger, Scope } from "effect"

export interface Running {
  readonly url: string
  readonly port: number
  readonly server: Server.Running
  /** Every log line the server wrote ("LEVEL message"). */
  readonly logs: Array<string>
  readonly stop: () => Promise<void>
}

const running = new Set<Running>()

export const startServer = async (handler: Handler.Handler, options: ServerOptions = {}): Promise<Running> => {
  const scope = await Effect.runPromise(Scope.make())
  const logs: Array<string> = []
  const logger = Logger.make((o) => {
    const message = Array.isArray(o.message) ? o.message.map(String).join(" ") : String(o.message)
    logs.push(`${o.logLevel} ${message}`)
  })
  const server = await Effect.runPromise(
    Server.listen(handler, { ...options, host: "127.0.0.1", port: 0 }).pipe(
      Scope.provide(scope),
      Effect.provideService(Logger.CurrentLoggers, new Set([logger]))
    )
  )
  let stopped = false
  const r: Running = {
    url: server.url!,
    port: server.port!,
    server,
    logs,
    stop: async () => {
      if (stopped) return
      stopped = true
      running.delete(r)
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
  running.add(r)
  return r
}

export const stopAll = async (): Promise<void> => {
  await Promise.all([...running].map((r) => r.stop()))
}
