/**
 * Running a server as a program: `--host`/`--port` flags (or `HOST`/`PORT`), one ready line on
 * stdout, a graceful shutdown on SIGINT/SIGTERM (clients get 1001, then exit 0), and V8 told to
 * compact its old space on every full GC (see {@link RunMainOptions.compactHeap}).
 */
import * as V8 from "node:v8"
import { Effect, Fiber } from "effect"
import type { Handler } from "./handler.js"
import type { PipelineConfig } from "./pipeline.js"
import { listen, type ListenOptions } from "./server.js"

/** Reads `--host`, `--port` (also `--host=x`), falling back to `HOST`/`PORT`, then `defaults`. */
export const parseListenArgs = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  defaults: { readonly host: string; readonly port: number }
): { host: string; port: number } | { error: string } => {
  let host = env["HOST"] ?? defaults.host
  let portText = env["PORT"] ?? String(defaults.port)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") continue
    const eq = arg.indexOf("=")
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined]
    const value = inline ?? argv[i + 1]
    if (flag === "--host" || flag === "--port") {
      if (value === undefined) return { error: `${flag} needs a value` }
      if (inline === undefined) i++
      if (flag === "--host") host = value
      else portText = value
    } else {
      return { error: `unknown argument: ${arg} (use --host HOST --port PORT)` }
    }
  }
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) return { error: `invalid port: ${portText}` }
  return { host, port }
}

/** Options of {@link runMain} beyond those of `listen`. */
export interface RunMainOptions extends Omit<ListenOptions, "host" | "port"> {
  /**
   * Compact V8's old space on every full GC (`--compact-on-every-full-gc`). Default true.
   *
   * Why: connection churn leaves the old space fragmented. Per-connection objects live for seconds,
   * are promoted, then die among younger ones, and V8's default heuristics compact only a little
   * per GC. In `pnpm soak` (10,000 connections, ~150 connects/s) the committed old space grew by
   * ~10 MiB a minute around a flat ~86 MB of live data (RSS +11–21 % in 10 minutes). With this
   * flag it stays within a few MiB of the live data and RSS is flat (docs/reliability.md). A full
   * GC runs every few tens of seconds there, so the extra compaction work is small.
   */
  readonly compactHeap?: boolean
}

/**
 * Starts a server from the command line and keeps it running until SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * // apps/echo/src/main.ts
 * runMain(echo, { port: 9000 })
 * ```
 */
export const runMain = <I, O>(
  handler: Handler<I, O> | PipelineConfig<I, O>,
  defaults: { readonly host?: string; readonly port: number },
  options: RunMainOptions = {}
): void => {
  const { compactHeap = true, ...listenOptions } = options
  // A process-wide V8 setting, which is why it lives here (the program) and not in `listen`.
  if (compactHeap) V8.setFlagsFromString("--compact-on-every-full-gc")
  const args = parseListenArgs(process.argv.slice(2), process.env, { host: defaults.host ?? "127.0.0.1", port: defaults.port })
  if ("error" in args) {
    process.stderr.write(`${args.error}\n`)
    process.exit(2)
  }
  const program = Effect.gen(function*() {
    const server = yield* listen(handler, { ...listenOptions, host: args.host, port: args.port })
    process.stdout.write(`listening on ${server.url}\n`)
    return yield* Effect.never
  }).pipe(Effect.scoped)
  const fiber = Effect.runFork(program)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  fiber.addObserver((exit) => {
    if (exit._tag === "Failure" && !stopping) {
      process.stderr.write(`${String(exit.cause)}\n`)
      process.exit(1)
    }
    process.exit(0)
  })
}
