/**
 * Running a server as a program: `runMain` runs an Effect (usually `Server.serve(…)`), turns
 * SIGINT/SIGTERM into a graceful shutdown (clients get 1001, then exit 0), reports a failed start
 * on stderr with exit code 1, and leaves the command line to the program (it reads no argv).
 */
import { Cause, Effect, Exit, Fiber } from "effect"
import { compactOldSpace, DEFAULT_COMPACT_EVERY_MS } from "./heap-compaction.js"

/** Options of {@link runMain}. */
export interface RunMainOptions {
  /**
   * Compact V8's old space on every full GC (`--compact-on-every-full-gc`). Default true.
   *
   * Why: connection churn leaves the old space fragmented. Per-connection objects live for seconds,
   * are promoted, then die among younger ones, and V8's default heuristics compact only a little
   * per GC. In `pnpm soak` (10,000 connections, ~150 connects/s) the committed old space grew by
   * ~10 MiB a minute around a flat ~86 MB of live data (RSS +11–21 % in 10 minutes). With this
   * flag it stays within a few MiB of the live data and RSS is flat (docs/reliability.md). A full
   * GC runs every few tens of seconds there. Under a heavy message load full GCs come far more
   * often and each compaction copies the whole old space, so at most one full GC per
   * `compactHeapEveryMs` compacts (`runtime/heap-compaction.ts`).
   */
  readonly compactHeap?: boolean
  /** The least time between two compacting full GCs (default 30,000 ms; 0: every full GC compacts). */
  readonly compactHeapEveryMs?: number
}

/**
 * Runs `program` until it ends or the process gets SIGINT/SIGTERM (which interrupts it: a
 * server's scope closes gracefully). Exit code 0 when it ends or is stopped by a signal; 1 with
 * the failure on stderr when it fails (a port in use, an invalid option).
 *
 * @example
 * ```ts
 * import { Command, Handler, Server } from "@wspipe/server"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * Server.runMain(Server.serve(echo, { port: 9000 }))
 * ```
 */
export const runMain = <A, E>(program: Effect.Effect<A, E>, options: RunMainOptions = {}): void => {
  // A process-wide V8 setting, which is why it lives here (the program) and not in `listen`.
  if (options.compactHeap ?? true) compactOldSpace(options.compactHeapEveryMs ?? DEFAULT_COMPACT_EVERY_MS)
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
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      const failure = Cause.squash(exit.cause)
      const message =
        failure instanceof Error || (typeof failure === "object" && failure !== null && "message" in failure)
          ? String((failure as { message: unknown }).message)
          : Cause.pretty(exit.cause)
      process.stderr.write(`${message}\n`)
      process.exit(1)
    }
    process.exit(0)
  })
}
