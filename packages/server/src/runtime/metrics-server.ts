/**
 * The metrics endpoint: a small `node:http` server of its own (not the WebSocket port, so it can
 * stay private while the WebSocket port is public) answering `GET /metrics` with the Prometheus
 * exposition of the registry it was started in, and `GET /` with 200 (a health check).
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import * as PerfHooks from "node:perf_hooks"
import { Effect, Metric, type Scope } from "effect"
import { ConfigError } from "./options.js"
import { contentType, exposition } from "./prometheus.js"
import { ListenError } from "./server.js"

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Default 127.0.0.1 (scrapers on the same host or a sidecar); 0.0.0.0 to be scraped from outside. */
  readonly host?: string
  /** Default 9464; 0 picks a free port. */
  readonly port?: number
  /** Default `/metrics`. */
  readonly path?: string
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string
  readonly port: number
}

/**
 * Serves `GET /metrics` (Prometheus text format 0.0.4, see `Metrics.prometheus`) on its own port
 * while the scope is open; `GET /` answers 200 for health checks, other paths 404, other methods
 * 405. The scrape reads the metric registry of the context `serve` runs in, which is the
 * server's unless one of them was given its own `Metric.MetricRegistry`. Also samples the event
 * loop delay (every 20 ms) for the `nodejs_eventloop_lag_*` gauges.
 *
 * @example
 * ```ts
 * import { Command, Handler, Metrics, Server } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const metrics = yield* Metrics.serve({ host: "127.0.0.1", port: 9464 })
 *   yield* Effect.log(`metrics on ${metrics.url}`)
 *   return yield* Server.serve(echo, { port: 9000 })
 * }))
 * ```
 */
export const serve = (options: ServeOptions = {}): Effect.Effect<MetricsServer, ConfigError | ListenError, Scope.Scope> =>
  Effect.gen(function* () {
    const { host = "127.0.0.1", port = 9464, path = "/metrics" } = options
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return yield* new ConfigError({ option: "metrics.port", message: `metrics port must be an integer 0–65535, got ${port}` })
    }
    if (!path.startsWith("/")) {
      return yield* new ConfigError({ option: "metrics.path", message: `metrics path must start with "/", got ${path}` })
    }
    const context = yield* Effect.context<never>()
    const lag = PerfHooks.monitorEventLoopDelay({ resolution: 20 })
    lag.enable()
    yield* Effect.addFinalizer(() => Effect.sync(() => lag.disable()))
    const server = Http.createServer((request, response) => {
      const url = (request.url ?? "/").split("?", 1)[0]
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("method not allowed\n")
      } else if (url === path) {
        const body = exposition(Metric.snapshotUnsafe(context), lag)
        response.writeHead(200, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) })
        response.end(request.method === "HEAD" ? undefined : body)
      } else if (url === "/") {
        response.writeHead(200, { "Content-Type": "text/plain" }).end(`wspipe metrics: GET ${path}\n`)
      } else {
        response.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n")
      }
    })
    yield* Effect.acquireRelease(
      Effect.callback<void, ListenError>((resume) => {
        const onError = (cause: Error) =>
          resume(Effect.fail(new ListenError({ message: `cannot serve metrics on ${host}:${port}: ${cause.message}`, cause })))
        server.once("error", onError)
        // exclusive: under node:cluster a worker's metrics are its own, not a port shared with the others.
        server.listen({ port, host, exclusive: true }, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          // A scraper's keep-alive connection must not hold the process open.
          server.closeAllConnections()
        })
    )
    const bound = (server.address() as Net.AddressInfo).port
    return { url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}${path}`, port: bound }
  })
