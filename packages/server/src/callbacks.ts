/**
 * The callback API (the ExWs way), built on the handler fiber: `init`, `handshake`, `message`,
 * `closed`, each returning the new per-connection state or an Effect of it. Inside callbacks,
 * `write`, `ping` and `close` act on the current connection.
 *
 * Ordering: the events of one connection are handled one after another, in order. A callback that
 * returns an Effect which suspends (a timer, I/O) holds back only its own connection's later
 * events; the other connections go on (DESIGN §3). While 64 events of one connection wait, its
 * socket is not read (until 16 remain), so a client that outruns its callbacks is pushed back by
 * TCP alone. A callback that throws or fails closes only its connection, with 1011, and is logged.
 */
import type { MessageKind } from "@wspipe/codec"
import { Cause, Context, Effect, Exit, Metric, Queue } from "effect"
import * as Command from "./command.js"
import { CurrentConnection, makeHandle, postCommand, type ConnectionHandle } from "./connection-handle.js"
import type * as Event from "./event.js"
import * as Flow from "./flow.js"
import * as Handler from "./handler.js"
import * as Handshake from "./handshake.js"
import { metrics } from "./stats.js"

export { CloseArgsError, close, current, CurrentConnection, ping, write, type ConnectionHandle } from "./connection-handle.js"

/** A callback's result: the new state, or an Effect of it (which may use the current connection). */
export type Result<S> = S | Effect.Effect<S, unknown, CurrentConnection>

/** Why a connection ended (see `Event.Closed`). */
export interface CloseReason {
  readonly code: number
  readonly reason: string
}

/** `message(data, state)`: text as a string, binary as bytes. */
export type Message2<S> = (data: string | Uint8Array, state: S) => Result<S>
/** `message(kind, data, state)`: the same with the kind ("text" or "binary") first. */
export type Message3<S> = (kind: MessageKind, data: string | Uint8Array, state: S) => Result<S>

/** The callbacks. Only `message` is required. */
export interface Callbacks<S, M extends Message2<S> | Message3<S> = Message2<S> | Message3<S>> {
  /** The initial state of a new connection (before its handshake). */
  readonly init?: () => S
  /**
   * Accept (`Callbacks.accept(state, { protocol })`) or reject (`Handshake.reject(status, reason)`,
   * the reason goes into the `Error` response header).
   */
  readonly handshake?: (path: string, headers: Readonly<Record<string, string>>, state: S, request: Handshake.HandshakeRequest) =>
    Handshake.Decision | Effect.Effect<Handshake.Decision>
  /** The connection is open (after the 101). */
  readonly open?: (state: S) => Result<S>
  /**
   * A message: text as a string, binary as bytes. Declare it with three parameters
   * `(kind, data, state)` or two `(data, state)` — the arity decides at run time, as in ExWs.
   * TypeScript infers the parameter types of the three-parameter form; it cannot tell the forms
   * apart by arity when inferring, so the two-parameter form needs its types written:
   * `(data: string | Uint8Array, state: State) => …`.
   */
  readonly message: M
  /** The connection ended (after which nothing can be sent to it). */
  readonly closed?: (reason: CloseReason, state: S) => Result<unknown>
}

/**
 * Accepts a handshake with the connection's new state.
 *
 * @example
 * ```ts
 * handshake: (path, headers, state) =>
 *   headers["x-user"] ? Callbacks.accept({ ...state, user: headers["x-user"] }) : Handshake.reject(401, "who are you?")
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
 * const counter = Callbacks.make({
 *   init: () => 0,
 *   message: (data, count) => Effect.gen(function*() {
 *     yield* Callbacks.write(`${count + 1}: ${String(data)}`)
 *     return count + 1
 *   })
 * })
 * ```
 */
export function make<S>(callbacks: Callbacks<S>): Handler.Handler {
  const init = callbacks.init ?? (() => undefined as S)
  const withKind = callbacks.message.length >= 3
  // Kept outside the fiber body: if the supervisor restarts it, connections keep their state.
  const lanes = new Map<number, Lane<S>>()

  const handshake = callbacks.handshake === undefined ? undefined : (request: Handshake.HandshakeRequest) =>
    Effect.suspend(() => {
      const answer = callbacks.handshake!(request.path, request.headers, init(), request)
      return Effect.isEffect(answer) ? answer : Effect.succeed(answer)
    })

  return Handler.fiber((inbox, sender) =>
    Effect.gen(function*() {
      const base = yield* Effect.context<never>()

      const fail = (lane: Lane<S>, cause: Cause.Cause<unknown>): void => {
        if (lane.failed) return
        lane.failed = true
        Effect.runForkWith(base)(Effect.andThen(
          Metric.update(metrics.callbackFailures, 1),
          Effect.logError(`callback failed for connection ${lane.handle.conn.id}; closing it with 1011`, Cause.pretty(cause))
        ))
        postCommand(sender, Command.close(lane.handle.conn, 1011, "internal error"))
      }

      const invoke = (lane: Lane<S>, event: Event.Event): Result<unknown> => {
        switch (event._tag) {
          case "Open":
            return callbacks.open === undefined ? lane.state : callbacks.open(lane.state)
          case "Message": {
            const data = event.kind === "text" ? decoder.decode(event.data) : event.data
            return withKind
              ? (callbacks.message as Message3<S>)(event.kind, data, lane.state)
              : (callbacks.message as Message2<S>)(data, lane.state)
          }
          case "Closed":
            return callbacks.closed === undefined ? lane.state : callbacks.closed({ code: event.code, reason: event.reason }, lane.state)
        }
      }

      const settle = (lane: Lane<S>, event: Event.Event, exit: Exit.Exit<unknown, unknown>): void => {
        if (Exit.isFailure(exit)) fail(lane, exit.cause)
        else if (event._tag !== "Closed") lane.state = exit.value as S
      }

      /** Runs one event; returns false when an Effect went asynchronous (the lane is now busy). */
      const run = (lane: Lane<S>, event: Event.Event): boolean => {
        if (lane.failed && event._tag !== "Closed") return true
        let result: Result<unknown>
        try {
          result = invoke(lane, event)
        } catch (defect) {
          fail(lane, Cause.die(defect))
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

      const drain = (lane: Lane<S>): void => {
        while (!lane.busy && lane.waiting.length > 0) {
          run(lane, lane.waiting.shift()!)
          if (lane.waiting.length === RESUME_AT) Flow.resumeReading(lane.handle.conn)
        }
        if (!lane.busy && lane.closed) lanes.delete(lane.handle.conn.id)
      }

      while (true) {
        const events = yield* Queue.takeAll(inbox)
        for (let i = 0; i < events.length; i++) {
          const event = events[i]!
          let lane = lanes.get(event.conn.id)
          if (lane === undefined) {
            if (event._tag !== "Open") continue
            const handle = makeHandle(event.conn, sender)
            const data = event.data as { readonly state: S } | undefined
            lane = {
              handle,
              context: Context.add(base, CurrentConnection, handle),
              state: data !== undefined && typeof data === "object" && "state" in data ? data.state : init(),
              busy: false,
              failed: false,
              closed: false,
              waiting: []
            }
            lanes.set(event.conn.id, lane)
          }
          if (event._tag === "Closed") lane.closed = true
          if (lane.busy) {
            lane.waiting.push(event)
            // Per-connection back-pressure: stop reading this client while its callbacks catch
            // up; the others are not affected (DESIGN §6).
            if (lane.waiting.length === PAUSE_AT) Flow.pauseReading(lane.handle.conn)
            // A client that sends faster than its async callbacks finish would grow this
            // without bound: past the limit it is closed like any other policy violation.
            if (lane.waiting.length > MAX_WAITING && !lane.failed) {
              lane.failed = true
              postCommand(sender, Command.close(lane.handle.conn, 1008, "too many messages waiting for the handler"))
            }
            continue
          }
          run(lane, event)
          if (lane.closed && !lane.busy) lanes.delete(event.conn.id)
        }
      }
    }), {
    handshake,
    name: "callbacks",
    busy: (conn) => {
      const lane = lanes.get(conn.id)
      return lane !== undefined && (lane.busy || lane.waiting.length > 0)
    }
  })
}
