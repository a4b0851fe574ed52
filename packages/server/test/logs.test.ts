/**
 * Logs and the operations flags: `Logs.layer` (format, level, stream), the server's own lines
 * (ready, per-connection at Debug, shutdown) read back through a test console, the zero-cost
 * path when Debug is off, and `Cli.parse` of `--metrics`, `--log-format`, `--log-level`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, References } from "effect"
import { TestConsole } from "effect/testing"
import { Cli } from "../src/cli/index.js"
import { Command, Handler, Logs } from "../src/index.js"
import { Recorder } from "../src/runtime/recorder.js"
import { makeRecorder } from "../src/runtime/server-log.js"
import { connect } from "./support/client.js"
import { start } from "./support/server.js"

const parse = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Cli.parse("test", "a test server", Cli.serverFlags({ host: "127.0.0.1", port: 9000 }), argv, env)

const jsonLines = (lines: ReadonlyArray<unknown>) => lines.map((l) => JSON.parse(String(l)) as Record<string, any>)

describe("Logs.layer", () => {
  it.effect("json: one JSON object per line with message, level, timestamp, fiberId, annotations, spans", () =>
    Effect.gen(function* () {
      yield* Effect.logInfo("hello").pipe(
        Effect.annotateLogs({ conn: 7 }),
        Effect.withLogSpan("span"),
        Effect.provide(Logs.layer({ format: "json" }))
      )
      yield* Effect.logDebug("hidden at Info").pipe(Effect.provide(Logs.layer({ format: "json" })))
      yield* Effect.logDebug("shown at Debug").pipe(Effect.provide(Logs.layer({ format: "json", level: "Debug" })))
      const [first, second, ...rest] = jsonLines(yield* TestConsole.logLines)
      expect(rest).toEqual([])
      expect(first).toMatchObject({
        message: "hello",
        level: "INFO",
        annotations: { conn: 7 },
        spans: { span: expect.any(Number) },
        fiberId: expect.stringMatching(/^#\d+$/)
      })
      expect(new Date(first!["timestamp"]).toISOString()).toBe(first!["timestamp"])
      expect(second).toMatchObject({ message: "shown at Debug", level: "DEBUG" })
    }).pipe(Effect.provide(TestConsole.layer))
  )

  it.effect("stream stderr writes to the error console only", () =>
    Effect.gen(function* () {
      yield* Effect.logWarning("to stderr").pipe(Effect.provide(Logs.layer({ format: "json", stream: "stderr" })))
      expect(yield* TestConsole.logLines).toEqual([])
      expect(jsonLines(yield* TestConsole.errorLines)).toMatchObject([{ message: "to stderr", level: "WARN" }])
    }).pipe(Effect.provide(TestConsole.layer))
  )

  it("parseLevel reads command-line spellings", () => {
    expect(["trace", "DEBUG", "Info", "warn", "warning", "error", "fatal", "none", "all"].map(Logs.parseLevel)).toEqual([
      "Trace",
      "Debug",
      "Info",
      "Warn",
      "Warn",
      "Error",
      "Fatal",
      "None",
      "All"
    ])
    expect(Logs.parseLevel("loud")).toBeUndefined()
  })
})

describe("the server's own log lines", () => {
  it("with Debug off the plain Recorder runs (nothing per connection); with Debug on the logging one", () => {
    const at = (level: "Info" | "Debug" | "Trace" | "Warn") => makeRecorder(Context.make(References.MinimumLogLevel, level))
    expect(Object.getPrototypeOf(at("Info"))).toBe(Recorder.prototype)
    expect(Object.getPrototypeOf(at("Warn"))).toBe(Recorder.prototype)
    expect(Object.getPrototypeOf(at("Debug"))).not.toBe(Recorder.prototype)
    expect(Object.getPrototypeOf(at("Trace"))).not.toBe(Recorder.prototype)
  })

  it.live("at Debug: each connection's open and close (code, reason, origin) and the shutdown with its numbers", () =>
    Effect.gen(function* () {
      const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])))
      const server = yield* start(echo)
      const a = yield* connect(`${server.url}room?x=1`)
      a.ws.close(4000, "done")
      yield* a.waitClosed()
      const b = yield* connect(server.url)
      yield* server.close
      expect((yield* b.waitClosed()).code).toBe(1001)
      const lines = jsonLines(yield* TestConsole.logLines)
      const opens = lines.filter((l) => l["message"] === "connection open")
      expect(opens).toHaveLength(2)
      expect(opens[0]).toMatchObject({
        level: "DEBUG",
        annotations: { path: "/room", remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }
      })
      const closes = lines.filter((l) => l["message"] === "connection closed").map((l) => l["annotations"])
      expect(closes).toContainEqual(
        expect.objectContaining({ conn: opens[0]!["annotations"]["conn"], code: 4000, reason: "done", origin: "peer" })
      )
      expect(closes).toContainEqual(expect.objectContaining({ conn: opens[1]!["annotations"]["conn"], code: 1001, origin: "shutdown" }))
      expect(lines).toContainEqual(expect.objectContaining({ level: "INFO", annotations: { connections: 1, timeoutMs: 5000 } }))
      expect(lines.find((l) => String(l["message"]).startsWith("shutdown: "))?.["annotations"]).toMatchObject({
        connections: 1,
        closed: 1,
        dropped: 0
      })
    }).pipe(Effect.provide(Logs.layer({ format: "json", level: "Debug" })), Effect.provide(TestConsole.layer))
  )
})

describe("Cli.parse: the operations flags", () => {
  it("--metrics PORT, HOST:PORT, [IPv6]:PORT; --log-format; --log-level; from the environment too", () => {
    expect(parse(["--metrics", "9464"])).toEqual({ _tag: "Run", options: { metrics: { host: "127.0.0.1", port: 9464 } } })
    expect(parse(["--metrics", "0.0.0.0:9464"])).toEqual({ _tag: "Run", options: { metrics: { host: "0.0.0.0", port: 9464 } } })
    expect(parse(["--metrics=[::1]:0"])).toEqual({ _tag: "Run", options: { metrics: { host: "::1", port: 0 } } })
    expect(parse(["--log-format", "json", "--log-level", "debug"])).toEqual({
      _tag: "Run",
      options: { logFormat: "json", logLevel: "Debug" }
    })
    expect(parse([], { METRICS: "9100", LOG_FORMAT: "json", LOG_LEVEL: "warn" })).toEqual({
      _tag: "Run",
      options: { metrics: { host: "127.0.0.1", port: 9100 }, logFormat: "json", logLevel: "Warn" }
    })
  })

  it.each([
    [["--metrics", "http"], /--metrics: expected PORT or HOST:PORT/],
    [["--metrics", "1.2.3.4:70000"], /--metrics/],
    [["--metrics", "host:"], /--metrics/],
    [["--log-format", "xml"], /--log-format: expected json or pretty, got "xml"/],
    [["--log-level", "loud"], /--log-level: expected trace, debug/]
  ] as const)("%j is invalid, with one line naming it", (argv, message) => {
    const result = parse(argv)
    expect(result).toMatchObject({ _tag: "Invalid", message: expect.stringMatching(message) })
  })
})
