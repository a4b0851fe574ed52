/**
 * The callback API (the ExWs way), built on the handler's inbox: `init`, `handshake`, `open`,
 * `message`, `closed`, each returning the new per-connection state or an Effect of it. Inside
 * callbacks, `write`, `ping`, `close`, `subscribe`, `unsubscribe`, `publish`, `broadcast` and
 * `broadcastAll` act for the current connection.
 *
 * Ordering: the events of one connection are handled one after another, in order. A callback that
 * returns an Effect which suspends (a timer, I/O) holds back only its own connection's later
 * events; the other connections go on. A connection's ending (its Close reply) waits until its
 * callbacks are done, so what they send goes out first. While 64 events of one connection wait,
 * its socket is not read (until 16 remain), so a client that outruns its callbacks is pushed back
 * by TCP alone. A callback that throws or fails is logged and counted; in `open` or `message` it
 * closes only its connection, with 1011.
 */
import type { Opcode } from "@wspipe/codec"
import { Cause, Context, Effect, Exit } from "effect"
import * as Handler from "../actors/handler.js"
import * as Handshake from "../connection/handshake.js"
import type { HandshakeHook } from "../connection/handshake.js"
import * as Reading from "../connection/reading.js"
import * as Command from "../messages/command.js"
import type * as Event from "../messages/event.js"
import { type Ending, isEnding } from "../messages/runtime-message.js"
import * as Inbox from "../runtime/inbox.js"
import { metrics } from "../runtime/metrics.js"
import type { RunFork } from "../runtime/run-fork.js"
import { type ConnectionHandle, CurrentConnection, makeHandle, postCommand } from "./connection-handle.js"

export {
  broadcast,
  broadcastAll,
  close,
  CloseArgsError,
  current,
  CurrentConnection,
  ping,
  publish,
  subscribe,
  unsubscribe,
  write,
  type ConnectionHandle
} from "./connection-handle.js"

/** A callback's result: the new state, or an Effect of it (which may use the current connection and `R`). */
export type Result<S, R = never> = S | Effect.Effect<S, unknown, CurrentConnection | R>

/** Why a connection ended (see `Event.Closed`). */
export interface CloseReason {
  readonly code: number
  readonly reason: string
  readonly origin: Event.ClosedOrigin
}

/** The callbacks. Only `message` is required. `R`: services the callbacks' Effects need. */
export interface Callbacks<S, R = never> {
  /** The initial state of a new connection (before its handshake). */
  readonly init?: () => S
  /**
   * Accept (`Callbacks.accept(state, { protocol })`) or reject (`Handshake.reject(status, reason)`,
   * the reason goes into the `Error` response header).
   */
  readonly handshake?: (
    path: string,
    headers: Readonly<Record<string, string>>,
    state: S,
    request: Handshake.HandshakeRequest
  ) => Handshake.Decision | Effect.Effect<Handshake.Decision, unknown, R>
  /** The connection is open (after the 101). */
  readonly open?: (state: S) => Result<S, R>
  /** A message: text as a string, binary as bytes; `kind` says which. */
  readonly message: (data: string | Uint8Array, state: S, kind: Opcode.MessageKind) => Result<S, R>
  /** The connection ended; nothing more can be sent to it. */
  readonly closed?: (reason: CloseReason, state: S) => Result<unknown, R>
}

/**
 * Accepts a handshake with the connection's new state.
 *
 * @example
 * ```ts
 * import { Callbacks, Handshake } from "@wspipe/server"
 *
 * const users = Callbacks.make({
 *   init: () => ({ user: "" }),
 *   handshake: (path, headers, state) =>
 *     headers["x-user"] ? Callbacks.accept({ ...state, user: headers["x-user"] }) : Handshake.reject(401, "who are you?"),
 *   message: (data, state) => state
 * })
 * ```
 */
export const accept = <S>(state: S, options: { readonly protocol?: string; readonly headers?: Readonly<Record<string, string>> } = {}) =>
  Handshake.accept({ ...options, data: { state } })

interface Lane<S> {
  readonly handle: ConnectionHandle
  readonly context: Context.Context<CurrentConnection>
  state: S
  /** An Effect of this connection is running; later events wait in `waiting`. */
  busy: boolean
  /** A callback failed: the connection is being closed with 1011; only `closed` still runs. */
  failed: boolean
  readonly waiting: Array<Event.Event>
  /** `Closed` arrived: the lane is forgotten once it has run. */
  closed: boolean
  /** The connection's ending, passed on once the lane has run everything before it. */
  ending: Ending | undefined
}

const decoder = new TextDecoder()

/** Events one connection may have waiting behind a running async callback before it is closed. */
const MAX_WAITING = 4096
/** Waiting events at which the connection's socket stops being read, and at which it resumes. */
const PAUSE_AT = 64
const RESUME_AT = 16

/**
 * Makes a handler from callbacks.
 *
 * @example
 * ```ts
 * import { Callbacks } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const counter = Callbacks.make({
 *   init: () => 0,
 *   message: (data, count) => Effect.gen(function*() {
 *     yield* Callbacks.write(`${count + 1}: ${String(data)}`)
 *     return count + 1
 *   })
 * })
 * ```
 */
export function make<S, R = never>(
  callbacks: Callbacks<S, R>
): Handler.Handler<Event.Event, Command.Command, Exclude<R, CurrentConnection>> {
  const init = callbacks.init ?? (() => undefined as S)
  // Kept outside the fiber body: if the supervisor restarts it, connections keep their state.
  const lanes = new Map<number, Lane<S>>()

  const handshake =
    callbacks.handshake === undefined
      ? undefined
      : (request: Handshake.HandshakeRequest) =>
          Effect.suspend(() => {
            const answer = callbacks.handshake!(request.path, request.headers, init(), request)
            return Effect.isEffect(answer) ? answer : Effect.succeed(answer)
          })

  return Handler.fiber<Event.Event, Command.Command, Exclude<R, CurrentConnection>>(
    (inbox, sender) =>
      Effect.gen(function* () {
        const base = yield* Effect.context<Exclude<R, CurrentConnection>>()
        const runFork: RunFork = (effect) => void Effect.runForkWith(base)(effect)
        const endings = Inbox.passTarget(inbox)

        const fail = (lane: Lane<S>, event: Event.Event, cause: Cause.Cause<unknown>): void => {
          const id = lane.handle.conn.id
          runFork(
            Effect.andThen(
              Effect.sync(() => metrics.callbackFailures.updateUnsafe(1, base)),
              Effect.logError(
                `${event._tag === "Closed" ? "closed" : event._tag === "Open" ? "open" : "message"} callback failed for connection ${id}`,
                Cause.pretty(cause)
              )
            )
          )
          // After `Closed` nothing can be sent: the connection's ending is already on its way.
          if (event._tag === "Closed" || lane.failed) return
          lane.failed = true
          postCommand(sender, Command.close(lane.handle.conn, 1011, "internal error"), runFork)
        }

        const invoke = (lane: Lane<S>, event: Event.Event): Result<unknown, R> => {
          switch (event._tag) {
            case "Open":
              return callbacks.open === undefined ? lane.state : callbacks.open(lane.state)
            case "Message":
              return callbacks.message(event.kind === "text" ? decoder.decode(event.data) : event.data, lane.state, event.kind)
            case "Closed":
              return callbacks.closed === undefined
                ? lane.state
                : callbacks.closed({ code: event.code, reason: event.reason, origin: event.origin }, lane.state)
          }
        }

        const settle = (lane: Lane<S>, event: Event.Event, exit: Exit.Exit<unknown, unknown>): void => {
          if (Exit.isFailure(exit)) fail(lane, event, exit.cause)
          else if (event._tag !== "Closed") lane.state = exit.value as S
        }

        /** Runs one event; returns false when an Effect went asynchronous (the lane is now busy). */
        const run = (lane: Lane<S>, event: Event.Event): boolean => {
          if (lane.failed && event._tag !== "Closed") return true
          let result: Result<unknown, R>
          try {
            result = invoke(lane, event)
          } catch (defect) {
            fail(lane, event, Cause.die(defect))
            return true
          }
          if (!Effect.isEffect(result)) {
            if (event._tag !== "Closed") lane.state = result as S
            return true
          }
          // Effects that complete synchronously finish inside runForkWith (no suspension, no
          // scheduler turn); only those that really wait make the lane busy.
          const fiber = Effect.runForkWith(lane.context)(result as Effect.Effect<unknown, unknown, CurrentConnection>)
          const exit = fiber.pollUnsafe()
          if (exit !== undefined) {
            settle(lane, event, exit)
            return true
          }
          lane.busy = true
          fiber.addObserver((done) => {
            lane.busy = false
            settle(lane, event, done)
            drain(lane)
          })
          return false
        }

        /** The lane has run everything: pass its ending on (behind what its callbacks sent) and forget it. */
        const finish = (lane: Lane<S>): void => {
          if (lane.busy || lane.waiting.length > 0 || !lane.closed) return
          lanes.delete(lane.handle.conn.id)
          if (lane.ending !== undefined) postCommand(endings, lane.ending, runFork)
        }

        const drain = (lane: Lane<S>): void => {
          while (!lane.busy && lane.waiting.length > 0) {
            run(lane, lane.waiting.shift()!)
            if (lane.waiting.length === RESUME_AT) Reading.resume(lane.handle.conn)
          }
          finish(lane)
        }

        const onEnding = (ending: Ending): void => {
          const lane = lanes.get(ending.to.id)
          // A lane that is done (or never was) lets the ending through now; a busy one keeps it.
          if (lane === undefined) return postCommand(endings, ending, runFork)
          lane.ending = ending
          finish(lane)
        }

        while (true) {
          const items = yield* Inbox.takeAllWithEndings(inbox)
          for (let i = 0; i < items.length; i++) {
            const item = items[i]!
            if (isEnding(item)) {
              onEnding(item)
              continue
            }
            const event = item
            let lane = lanes.get(event.conn.id)
            if (lane === undefined) {
              if (event._tag !== "Open") continue
              const handle = makeHandle(event.conn, sender, runFork)
              const data = event.data as { readonly state: S } | undefined
              lane = {
                handle,
                context: Context.add(base, CurrentConnection, handle),
                state: data !== undefined && typeof data === "object" && "state" in data ? data.state : init(),
                busy: false,
                failed: false,
                closed: false,
                waiting: [],
                ending: undefined
              }
              lanes.set(event.conn.id, lane)
            }
            if (event._tag === "Closed") lane.closed = true
            if (lane.busy) {
              lane.waiting.push(event)
              // Per-connection back-pressure: stop reading this client while its callbacks catch
              // up; the others are not affected.
              if (lane.waiting.length === PAUSE_AT) Reading.pause(lane.handle.conn)
              // A client that sends faster than its async callbacks finish would grow this
              // without bound: past the limit it is closed like any other policy violation.
              if (lane.waiting.length > MAX_WAITING && !lane.failed) {
                lane.failed = true
                postCommand(sender, Command.close(lane.handle.conn, 1008, "too many messages waiting for the handler"), runFork)
              }
              continue
            }
            run(lane, event)
          }
        }
      }),
    { handshake: handshake as HandshakeHook<Exclude<R, CurrentConnection>> | undefined, name: "callbacks" }
  )
}
