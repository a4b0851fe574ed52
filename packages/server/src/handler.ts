/**
 * The handler: the user's logic. "All you have to write is what the handler does." A handler is
 * one Effect that takes events from its inbox and offers commands to the sender — the Erlang way.
 * The callback API (`callbacks.ts`) is built on this.
 */
import type { Effect, Queue } from "effect"
import type * as Command from "./command.js"
import type { Connection } from "./connection.js"
import type * as Event from "./event.js"
import type { HandshakeHook } from "./handshake.js"

/**
 * A handler: the fiber body plus an optional handshake hook.
 * `I` is what its inbox carries (events, or what a stage before it made of them) and `O` what it
 * offers (commands, or what a stage after it turns into commands).
 */
export interface Handler<I = Event.Event, O = Command.Command> {
  /** Loops forever: take events (in batches: `Queue.takeAll`), offer commands. */
  readonly run: (inbox: Queue.Dequeue<I>, sender: Queue.Enqueue<O>) => Effect.Effect<unknown, unknown>
  /** Asked during the opening handshake; accepts everything when absent. */
  readonly handshake?: HandshakeHook | undefined
  /** Used in logs. */
  readonly name: string
  /**
   * True while the handler is still working on an event of `conn` (an async callback). A Close
   * from the peer is answered only after that work is done (up to `closeTimeoutMs`), so replies
   * to earlier messages are not cut off (RFC 6455 §5.5.1).
   *
   * Without it the runtime knows only how many events the handler has *taken*: a handler fiber
   * that suspends between `Queue.takeAll` and `Queue.offerAll` (I/O, a sleep) should declare
   * `busy`, or its replies to messages that came just before a peer's Close may be cut off. The
   * callback API declares it for you.
   */
  readonly busy?: ((conn: Connection) => boolean) | undefined
}

/**
 * Makes a handler from a fiber body.
 *
 * @example
 * ```ts
 * // The Erlang echo: {message, Data, From} -> {unicast, Data, From}
 * const echo = Handler.fiber((inbox, sender) =>
 *   Effect.forever(Effect.gen(function*() {
 *     const events = yield* Queue.takeAll(inbox)
 *     const out: Array<Command.Command> = []
 *     for (const e of events) if (e._tag === "Message") out.push(Command.unicast(e.conn, e))
 *     yield* Queue.offerAll(sender, out)
 *   })))
 * ```
 */
export const fiber = <I = Event.Event, O = Command.Command>(
  run: Handler<I, O>["run"],
  options: {
    readonly handshake?: HandshakeHook | undefined
    readonly name?: string
    readonly busy?: ((conn: Connection) => boolean) | undefined
  } = {}
): Handler<I, O> => ({ run, handshake: options.handshake, name: options.name ?? "handler", busy: options.busy })
