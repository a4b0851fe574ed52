/**
 * Logs: Effect's own loggers, chosen by format — `json` (one JSON object per line, Effect's
 * `Logger.formatJson`: `message`, `level`, `timestamp`, `annotations`, `spans`, `fiberId`, and
 * `cause` when there is one) or `pretty` (Effect's default logger) — and a minimum level. With
 * `json` the server's ready line is a JSON line too, so the stream holds nothing else.
 */
import { Context, Layer, Logger, type LogLevel, References } from "effect"

/** `json`: one JSON object per line; `pretty`: Effect's default human-readable line. */
export type Format = "json" | "pretty"

/** Options of {@link layer}. */
export interface Options {
  /** Default "pretty". */
  readonly format?: Format | undefined
  /** Least severe level written. Default "Info"; "Debug" adds each connection's open and close. */
  readonly level?: LogLevel.LogLevel | undefined
  /** Default "stdout". */
  readonly stream?: "stdout" | "stderr" | undefined
}

/**
 * The log format in use (set by {@link layer}). `Server.serve` reads it: with `json`, its ready
 * line `listening on ws://…` is logged as a JSON line instead of written as plain text.
 *
 * @example
 * ```ts
 * import { Logs } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const isJson = Effect.map(Effect.service(Logs.CurrentFormat), (format) => format === "json")
 * ```
 */
export const CurrentFormat = Context.Reference<Format>("@wspipe/server/Logs/CurrentFormat", { defaultValue: () => "pretty" })

/**
 * A logger writing one JSON object per line (Effect's `Logger.formatJson`) to stdout or stderr.
 *
 * @example
 * ```ts
 * import { Logs } from "@wspipe/server"
 * import { Effect, Logger } from "effect"
 *
 * const program = Effect.log("hello").pipe(Effect.provide(Logger.layer([Logs.json("stderr")])))
 * // {"message":"hello","level":"INFO","timestamp":"…","annotations":{},"spans":{},"fiberId":"#1"}
 * ```
 */
export const json = (stream: "stdout" | "stderr" = "stdout"): Logger.Logger<unknown, void> =>
  stream === "stdout" ? Logger.withConsoleLog(Logger.formatJson) : Logger.withConsoleError(Logger.formatJson)

/**
 * Replaces the loggers with the chosen format and sets the minimum level; provide it around a
 * server program (it applies to the server's own logs: start, shutdown, failures, and at
 * `Debug` every connection's open and close).
 *
 * @example
 * ```ts
 * import { Command, Handler, Logs, Server } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * Server.runMain(Server.serve(echo, { port: 9000 }).pipe(Effect.provide(Logs.layer({ format: "json", level: "Debug" }))))
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<never> => {
  const format = options.format ?? "pretty"
  const stream = options.stream ?? "stdout"
  return Layer.mergeAll(
    // Effect's tracer logger stays (log lines as events of the current span), as by default.
    Logger.layer([format === "json" ? json(stream) : Logger.defaultLogger, Logger.tracerLogger]),
    Layer.succeed(Logger.LogToStderr, stream === "stderr"),
    Layer.succeed(References.MinimumLogLevel, options.level ?? "Info"),
    Layer.succeed(CurrentFormat, format)
  )
}

/**
 * Reads a level as written on a command line (`debug`, `INFO`, `warn`…; also `all`, `none`).
 *
 * @example
 * ```ts
 * parseLevel("debug") // "Debug"
 * parseLevel("loud") // undefined
 * ```
 */
export const parseLevel = (text: string): LogLevel.LogLevel | undefined => {
  const levels: ReadonlyArray<LogLevel.LogLevel> = ["All", "Trace", "Debug", "Info", "Warn", "Error", "Fatal", "None"]
  return levels.find((l) => l.toLowerCase() === text.toLowerCase() || (l === "Warn" && text.toLowerCase() === "warning"))
}
