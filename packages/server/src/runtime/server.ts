/**
 * The server: a pipeline plus a way in — our own listener (`listen`) or an existing HTTP server's
 * `upgrade` event (`attach`). Everything lives in the caller's scope: closing it stops accepting,
 * closes every client with 1001, waits for the close handshakes (bounded), then releases sockets
 * and fibers. `layer` provides the running server as a service; `serve` and `runMain` run one as
 * a program.
 */
import type * as Http from "node:http"
import type * as Https from "node:https"
import * as Net from "node:net"
import { Http as HttpHead } from "@wspipe/codec"
import { Context, Data, Duration, Effect, FiberSet, Layer, Queue, Scheduler, type Scope } from "effect"
import type { Handler } from "../actors/handler.js"
import type { Connection } from "../connection/connection.js"
import { Admission } from "../connection/admission.js"
import type { HttpResponder } from "../connection/plain-http.js"
import { type Acceptor, serveSocket, upgrade } from "../connection/upgrade.js"
import * as Command from "../messages/command.js"
import * as RuntimeMessage from "../messages/runtime-message.js"
import { ConfigError, resolveOptions, type ServerOptions } from "./options.js"
import * as Pipeline from "./pipeline.js"
import * as PipelineScheduler from "./scheduler.js"
import { makeRecorder, ready, shutdownBegins, shutdownEnds } from "./server-log.js"
import { secureContext, serveTls, type TlsOptions } from "./tls.js"

export { ConfigError, defaults, type ServerOptions } from "./options.js"
export { runMain, type RunMainOptions } from "./run-main.js"
export { runCluster, workerSlot } from "./cluster.js"
export type { TlsOptions } from "./tls.js"
export type { HttpRequest, HttpResponder, HttpResponse } from "../connection/plain-http.js"

/** `listen` could not bind (the port is in use, the address is not ours…). */
export class ListenError extends Data.TaggedError("ListenError")<{ readonly message: string; readonly cause: unknown }> {}

/** Where to listen. */
export interface ListenOptions extends ServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 9000 (the Erlang original's port); 0 picks a free port. */
  readonly port?: number
  /** Serve `wss://`: the certificate and key (see {@link TlsOptions}). Default: plain `ws://`. */
  readonly tls?: TlsOptions | undefined
  /**
   * Answers plain HTTP requests (those without an `Upgrade` header) on the same port: the page
   * that opens the WebSocket, a health check. One response per connection, no request body, no
   * keep-alive (see {@link HttpResponder}). Default: every plain request gets 426.
   *
   * @example
   * ```ts
   * import { Command, Handler, Server } from "@wspipe/server"
   * import { Effect } from "effect"
   *
   * const chat = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.broadcast(e.conn, e)] : []))
   * const page = `<!doctype html><script>const ws = new WebSocket("ws://" + location.host)</script>`
   * const program = Effect.scoped(Server.listen(chat, {
   *   port: 9001,
   *   httpRequest: (request) => request.path === "/"
   *     ? { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }, body: page }
   *     : { status: 404, body: "not found" }
   * }))
   * ```
   */
  readonly httpRequest?: HttpResponder | undefined
}

/** A running server. */
export interface Running {
  /** `ws://host:port/` (`wss://` with `tls`) for `listen`; undefined for `attach` (the HTTP server knows its address). */
  readonly url: string | undefined
  readonly port: number | undefined
  /** Connections currently in the pipeline. */
  readonly connections: () => number
  /** Sends to one connection from any fiber (waits while the sender's inbox is full). */
  readonly send: (to: Connection, message: Command.Outgoing) => Effect.Effect<boolean>
  /** Gives the sender any command from any fiber. */
  readonly command: (command: Command.Command) => Effect.Effect<boolean>
  /** Items waiting in the pipeline's queues. */
  readonly depths: Pipeline.Pipeline["depths"]
}

/**
 * The running server as a service (see {@link layer}).
 *
 * @example
 * ```ts
 * import { Command, Server } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const announce = (text: string) => Effect.gen(function*() {
 *   const server = yield* Server.WsServer
 *   yield* server.command(Command.broadcastAll(text))
 * })
 * ```
 */
export class WsServer extends Context.Service<WsServer, Running>()("@wspipe/server/WsServer") {}

/** A handler, or a whole pipeline configuration. */
export type HandlerOrConfig<I, O, R> = Handler<I, O, R> | Pipeline.PipelineConfig<I, O, R>

const toConfig = <I, O, R>(h: HandlerOrConfig<I, O, R>): Pipeline.PipelineConfig<I, O, R> => ("run" in h ? { handler: h } : h)

/**
 * Listens on `host:port` with wspipe's own HTTP/1.1 upgrade handling. Plain HTTP requests get 426
 * with a short explanation, unless the `httpRequest` option answers them.
 *
 * @example
 * ```ts
 * import { Command, Handler, Server } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const server = yield* Server.listen(echo, { port: 9000 })
 *   yield* Effect.log(`listening on ${server.url}`)
 *   yield* Effect.never
 * }))
 * ```
 */
export const listen = <I, O, R = never>(
  handler: HandlerOrConfig<I, O, R>,
  options: ListenOptions = {}
): Effect.Effect<Running, ConfigError | ListenError, Scope.Scope | R> =>
  Effect.gen(function* () {
    const { host = "127.0.0.1", port = 9000, tls, httpRequest, ...rest } = options
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return yield* new ConfigError({ option: "port", message: `port must be an integer 0–65535, got ${port}` })
    }
    const context = tls === undefined ? undefined : secureContext(tls)
    if (context instanceof ConfigError) return yield* context
    const acceptor = yield* start(toConfig(handler), rest, httpRequest)
    // Upgrades that wait for an Effect handshake hook run as fibers of this scope.
    const forkUpgrade = yield* FiberSet.makeRuntime<R>()
    const netServer = Net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => {
      if (context === undefined) serveSocket(acceptor, socket, forkUpgrade)
      else serveTls(acceptor, socket, context, forkUpgrade)
    })
    yield* Effect.callback<void, ListenError>((resume) => {
      const onError = (cause: Error) =>
        resume(Effect.fail(new ListenError({ message: `cannot listen on ${host}:${port}: ${cause.message}`, cause })))
      netServer.once("error", onError)
      netServer.listen(port, host, () => {
        netServer.off("error", onError)
        resume(Effect.void)
      })
    })
    const bound = (netServer.address() as Net.AddressInfo).port
    // Registered last, so it runs first on scope close (finalizers are LIFO).
    yield* Effect.addFinalizer(() =>
      shutdown(
        acceptor,
        Effect.sync(() => netServer.close())
      )
    )
    return running(acceptor, `${context === undefined ? "ws" : "wss"}://${host.includes(":") ? `[${host}]` : host}:${bound}/`, bound)
  }).pipe(Effect.provideService(Scheduler.Scheduler, PipelineScheduler.make()))

/**
 * Handles WebSocket upgrades of an existing `http`/`https` server (Express, Fastify, Hono…). With
 * `options.path`, other paths are left to other `upgrade` listeners (or refused with 404 when
 * there is none).
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { Command, Handler, Server } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const chat = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.broadcast(e.conn, e)] : []))
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const http = createServer((req, res) => res.end("hello"))
 *   yield* Server.attach(http, chat, { path: "/ws" })
 *   http.listen(8080)
 *   yield* Effect.never
 * }))
 * ```
 */
export const attach = <I, O, R = never>(
  server: Http.Server | Https.Server,
  handler: HandlerOrConfig<I, O, R>,
  options: ServerOptions = {}
): Effect.Effect<Running, ConfigError, Scope.Scope | R> =>
  Effect.gen(function* () {
    const acceptor = yield* start(toConfig(handler), options)
    const forkUpgrade = yield* FiberSet.makeRuntime<R>()
    const onUpgrade = (request: Http.IncomingMessage, socket: Net.Socket, head: Buffer) => {
      const path = (request.url ?? "/").split("?", 1)[0]
      if (options.path !== undefined && path !== options.path) {
        // Another listener may own this path. When every listener is a wspipe `attach`, the
        // last one to see an unclaimed socket answers 404, so the client is never left waiting.
        const listeners = server.listeners("upgrade")
        const lastOfOnlyOurs = listeners.every((l) => attached.has(l as UpgradeListener)) && listeners[listeners.length - 1] === onUpgrade
        if (!lastOfOnlyOurs || claimed.has(socket)) return
      }
      claimed.add(socket)
      socket.setNoDelay(true)
      upgrade(acceptor, socket, HttpHead.fromNode(request), head, forkUpgrade)
    }
    attached.add(onUpgrade)
    server.on("upgrade", onUpgrade)
    yield* Effect.addFinalizer(() =>
      shutdown(
        acceptor,
        Effect.sync(() => server.off("upgrade", onUpgrade))
      )
    )
    return running(acceptor, undefined, undefined)
  }).pipe(Effect.provideService(Scheduler.Scheduler, PipelineScheduler.make()))

/**
 * The server as a layer: it listens while the layer is in use, and shuts down gracefully when
 * the layer's scope closes. The handler's services (`R`) come from the layer's inputs.
 *
 * @example
 * ```ts
 * import { Command, Handler, Server } from "@wspipe/server"
 * import { Effect, Layer } from "effect"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * const main = Layer.launch(Server.layer(echo, { port: 9000 }))
 * ```
 */
export const layer = <I, O, R = never>(
  handler: HandlerOrConfig<I, O, R>,
  options: ListenOptions = {}
): Layer.Layer<WsServer, ConfigError | ListenError, R> => Layer.effect(WsServer, listen(handler, options))

/**
 * Listens, writes one ready line (`listening on ws://…`, or `wss://…` with `tls`) to stdout (a
 * JSON log line instead with `Logs.layer({ format: "json" })`), and runs until interrupted — the
 * body of a server program (see {@link runMain}).
 *
 * @example
 * ```ts
 * import { Command, Handler, Server } from "@wspipe/server"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * Server.runMain(Server.serve(echo, { port: 9000 }))
 * ```
 */
export const serve = <I, O, R = never>(
  handler: HandlerOrConfig<I, O, R>,
  options: ListenOptions = {}
): Effect.Effect<never, ConfigError | ListenError, R> =>
  Effect.scoped(
    Effect.gen(function* () {
      const server = yield* listen(handler, options)
      yield* ready(server.url!)
      return yield* Effect.never
    })
  )

type UpgradeListener = (request: Http.IncomingMessage, socket: Net.Socket, head: Buffer) => void
/** Upgrade listeners installed by `attach` (to know when no one else can answer a socket). */
const attached = new WeakSet<UpgradeListener>()
/** Sockets an `attach` has taken on (its path matched, or it answered 404). */
const claimed = new WeakSet<Net.Socket>()

const start = <I, O, R>(config: Pipeline.PipelineConfig<I, O, R>, options: ServerOptions, httpRequest?: HttpResponder) =>
  Effect.gen(function* () {
    const resolved = resolveOptions(options)
    if (resolved instanceof ConfigError) return yield* resolved
    const context = yield* Effect.context<never>()
    const recorder = makeRecorder(context)
    const pipeline = yield* Pipeline.make(config, resolved, recorder)
    const runForkWith = Effect.runForkWith(context)
    const acceptor: Acceptor = {
      pipeline,
      live: { sockets: new Set() },
      runFork: (effect) => void runForkWith(effect),
      closing: false,
      admission: new Admission(resolved),
      httpRequest
    }
    return acceptor
  })

const running = (acceptor: Acceptor, url: string | undefined, port: number | undefined): Running => ({
  url,
  port,
  connections: () => acceptor.live.sockets.size,
  send: (to, message) => Queue.offer(acceptor.pipeline.senderInbox, Command.unicast(to, message)),
  command: (command) => Queue.offer(acceptor.pipeline.senderInbox, command),
  depths: acceptor.pipeline.depths
})

/**
 * Graceful shutdown: stop accepting, send every client Close 1001 (after what was already queued
 * for it), wait for the sockets to close up to `shutdownTimeoutMs`, then drop the rest.
 */
const shutdown = (acceptor: Acceptor, stopAccepting: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.gen(function* () {
    acceptor.closing = true
    yield* stopAccepting
    const { options, senderInbox } = acceptor.pipeline
    const sockets = acceptor.live.sockets
    const open = sockets.size
    yield* shutdownBegins(open, options.shutdownTimeoutMs)
    if (open > 0) {
      const started = Date.now()
      yield* Queue.offer(senderInbox, RuntimeMessage.CloseAll(1001, "server shutting down"))
      const deadline = started + options.shutdownTimeoutMs
      while (sockets.size > 0 && Date.now() < deadline) yield* Effect.sleep(Duration.millis(10))
      yield* shutdownEnds(open, sockets.size, Date.now() - started)
    }
    for (const socket of sockets) socket.destroy()
    // Socket receivers waiting on a full inbox resume (their offer fails) instead of lingering.
    yield* Queue.shutdown(acceptor.pipeline.receiverInbox)
  })
