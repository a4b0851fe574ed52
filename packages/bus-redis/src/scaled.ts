/**
 * A server program on many cores and machines in one call: `--workers` processes on one port
 * (`Server.runCluster`), each on the Redis bus when `redis` is given, each run with
 * `Server.runMain` (graceful stop on SIGTERM, exit 1 on a failed start).
 */
import { type Handler, Server } from "@wspipe/server"
import { Cli } from "@wspipe/server/cli"
import { Effect } from "effect"
import { RedisTransport } from "./redis-transport.js"

/** `Server.ListenOptions`, the operations flags (`--metrics`, logs), plus how many workers and which Redis. */
export interface ScaledOptions extends Server.ListenOptions, Cli.Operations {
  /** Worker processes sharing the port. Default 1 (this process). */
  readonly workers?: number
  /** `redis://…`: join the other workers and machines through Redis pub/sub. */
  readonly redis?: string
  /** Redis unreachable at start: "fail" (default, exit 1) or "local-only" (serve, connect later). */
  readonly redisWhenDown?: "fail" | "local-only"
}

/**
 * Runs `handler` as a program (see the module comment).
 *
 * @example
 * ```ts
 * import { Command, Handler } from "@wspipe/server"
 * import { runScaled } from "@wspipe/bus-redis"
 *
 * const chat = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.broadcast(e.conn, e)] : []))
 * runScaled(chat, { port: 9001, workers: 4, redis: "redis://127.0.0.1:6379" })
 * ```
 */
export const runScaled = <I, O>(handler: Server.HandlerOrConfig<I, O, never> | Handler.Handler<I, O>, options: ScaledOptions): void => {
  const { workers = 1, redis, redisWhenDown = "fail", ...rest } = options
  Server.runCluster(workers, () => {
    // Workers share the WebSocket port, but each serves its own metrics: on port + its slot
    // (a shared metrics port would answer each scrape from whichever worker took it).
    const slot = Server.workerSlot()
    const metrics = rest.metrics
    const operations =
      metrics !== undefined && slot !== undefined && metrics.port !== 0
        ? { ...rest, metrics: { ...metrics, port: metrics.port + slot } }
        : rest
    const program = (listen: Server.ListenOptions) =>
      redis === undefined
        ? Server.serve(handler, listen)
        : Effect.scoped(
            Effect.flatMap(RedisTransport.make({ url: redis, startWhenDown: redisWhenDown }), (transport) =>
              Server.serve(handler, { ...listen, bus: { transport } })
            )
          )
    Server.runMain(Cli.withOperations(operations, program))
  })
}
