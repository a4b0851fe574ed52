/**
 * What the server logs about itself: the ready line, the shutdown's start and end, and, only when
 * the `Debug` level is on at start, each connection's open, close and rejected handshake. The
 * per-connection lines come from a `Recorder` subclass chosen once per server: with `Debug` off
 * the plain `Recorder` runs and the pipeline does exactly what it did before (no check, no
 * allocation per connection or batch).
 */
import { Context, Effect, LogLevel, References } from "effect"
import type * as Event from "../messages/event.js"
import { CurrentFormat } from "./logs.js"
import { announceReady, isWorker } from "./cluster.js"
import { Recorder } from "./recorder.js"

/**
 * The ready line: plain `listening on ws://…` on stdout (programs wait for it), or with JSON logs
 * the same text as an Info line annotated with the URL.
 *
 * @example
 * ```ts
 * const program = ready("ws://127.0.0.1:9000/")
 * ```
 */
export const ready = (url: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    // In a `runCluster` worker the primary prints it, once for all workers.
    if (isWorker()) announceReady(url)
    else if ((yield* CurrentFormat) === "json") yield* Effect.logInfo(`listening on ${url}`).pipe(Effect.annotateLogs({ url }))
    else process.stdout.write(`listening on ${url}\n`)
  })

/**
 * The shutdown's first line: how many connections get 1001 and how long they may take (at Debug
 * when there are none: tests and tools close servers often).
 *
 * @example
 * ```ts
 * const program = shutdownBegins(3, 5000)
 * ```
 */
export const shutdownBegins = (connections: number, timeoutMs: number): Effect.Effect<void> =>
  (connections === 0
    ? Effect.logDebug("shutting down: no open connections")
    : Effect.logInfo(
        `shutting down: closing ${connections} connection(s) with 1001, waiting up to ${timeoutMs} ms for their close handshakes`
      )
  ).pipe(Effect.annotateLogs({ connections, timeoutMs }))

/**
 * The shutdown's last line: how many closed in how long, and how many were dropped (a warning).
 *
 * @example
 * ```ts
 * const program = shutdownEnds(3, 1, 5000)
 * ```
 */
export const shutdownEnds = (connections: number, dropped: number, elapsedMs: number): Effect.Effect<void> => {
  const annotations = { connections, closed: connections - dropped, dropped, elapsedMs }
  return dropped === 0
    ? Effect.logInfo(`shutdown: ${connections} connection(s) closed in ${elapsedMs} ms`).pipe(Effect.annotateLogs(annotations))
    : Effect.logWarning(`shutdown: ${dropped} of ${connections} connection(s) did not close in ${elapsedMs} ms; dropping them`).pipe(
        Effect.annotateLogs(annotations)
      )
}

interface Line {
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** A `Recorder` that also logs each connection's open and close and each rejection at Debug. */
class LoggingRecorder extends Recorder {
  private readonly runFork: (effect: Effect.Effect<void>) => unknown
  constructor(context: Context.Context<never>) {
    super(context)
    this.runFork = Effect.runForkWith(context)
  }
  override received(bytes: number, events: ReadonlyArray<unknown>): void {
    super.received(bytes, events)
    let lines: Array<Line> | undefined
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as Event.Event
      if (e._tag === "Open") {
        const { id, path, remoteAddress, protocol } = e.conn
        ;(lines ??= []).push({
          message: "connection open",
          annotations: { conn: id, path, remoteAddress, protocol: protocol ?? null, httpOrigin: e.request.headers["origin"] ?? null }
        })
      } else if (e._tag === "Closed") {
        const { id, path, remoteAddress } = e.conn
        ;(lines ??= []).push({
          message: "connection closed",
          annotations: { conn: id, path, remoteAddress, code: e.code, reason: e.reason, origin: e.origin }
        })
      }
    }
    // One fiber per batch that has any, not one per connection.
    if (lines !== undefined) this.runFork(logAll(lines))
  }
  override rejected(status: number): void {
    super.rejected(status)
    this.runFork(Effect.logDebug("handshake rejected").pipe(Effect.annotateLogs({ status })))
  }
}

const logAll = (lines: ReadonlyArray<Line>): Effect.Effect<void> =>
  Effect.forEach(lines, (line) => Effect.logDebug(line.message).pipe(Effect.annotateLogs(line.annotations)), { discard: true })

/**
 * The server's recorder: the logging one when `Debug` is enabled in `context` (read once, at
 * start), else the plain one.
 *
 * @example
 * ```ts
 * declare const context: Parameters<typeof makeRecorder>[0] // the server's, captured at start
 * const recorder = makeRecorder(context)
 * ```
 */
export const makeRecorder = (context: Context.Context<never>): Recorder =>
  LogLevel.isGreaterThan(Context.get(context, References.MinimumLogLevel), "Debug") ? new Recorder(context) : new LoggingRecorder(context)
