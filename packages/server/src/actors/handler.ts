/**
 * The handler: the user's logic. "All you have to write is what the handler does." A handler is
 * one Effect that takes events from its inbox and offers commands to the sender — the Erlang way
 * (`Handler.fiber`). `Handler.batch` runs that loop for you around a function of a batch, and the
 * callback API (`Callbacks.make`) is built on the same inbox.
 *
 * Ordering: a connection's ending (its Close reply, its TCP end) reaches the sender after every
 * command the handler offered before its next take (see `Inbox`). Nothing to declare: a handler
 * that suspends between taking and offering (I/O, a sleep) still gets its replies out first.
 */
import { Effect, Queue } from "effect"
import type { HandshakeHook } from "../connection/handshake.js"
import type * as Command from "../messages/command.js"
import type * as Event from "../messages/event.js"
import * as Inbox from "../runtime/inbox.js"

/**
 * A handler: the fiber body plus an optional handshake hook. `I` is what its inbox carries
 * (events, or what a stage before it made of them), `O` what it offers (commands, or what a stage
 * after it turns into commands), `R` the services it needs (provided to `Server.listen`'s Effect).
 */
export interface Handler<I = Event.Event, O = Command.Command, R = never> {
  /** Loops forever: take from the inbox (`Inbox.takeAll`), offer to `sender`. */
  readonly run: (inbox: Inbox.Inbox<I>, sender: Queue.Enqueue<O>) => Effect.Effect<unknown, unknown, R>
  /** Asked during the opening handshake; accepts everything when absent. */
  readonly handshake?: HandshakeHook<R> | undefined
  /** Used in logs and metrics. */
  readonly name: string
}

/** Options shared by the handler constructors. */
export interface Options<R = never> {
  readonly handshake?: HandshakeHook<R> | undefined
  readonly name?: string | undefined
}

/**
 * Makes a handler from a fiber body.
 *
 * @example
 * ```ts
 * import { Command, Handler, Inbox } from "@wspipe/server"
 * import { Effect, Queue } from "effect"
 *
 * // The Erlang echo: {message, Data, From} -> {unicast, Data, From}
 * const echo = Handler.fiber((inbox, sender) =>
 *   Effect.forever(Effect.gen(function*() {
 *     const events = yield* Inbox.takeAll(inbox)
 *     const out: Array<Command.Command> = []
 *     for (const e of events) if (e._tag === "Message") out.push(Command.unicast(e.conn, e))
 *     if (out.length > 0) yield* Queue.offerAll(sender, out)
 *   })), { name: "echo" })
 * ```
 */
export const fiber = <I = Event.Event, O = Command.Command, R = never>(
  run: Handler<I, O, R>["run"],
  options: Options<R> = {}
): Handler<I, O, R> => ({ run, handshake: options.handshake, name: options.name ?? "handler" })

/**
 * Makes a handler from a function of one batch: the runtime takes everything waiting, calls `f`,
 * and offers what it returns (an array, or an Effect of one) in one call.
 *
 * @example
 * ```ts
 * import { Command, Handler } from "@wspipe/server"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * ```
 */
export const batch = <I = Event.Event, O = Command.Command, E = never, R = never>(
  f: (events: ReadonlyArray<I>) => ReadonlyArray<O> | Effect.Effect<ReadonlyArray<O>, E, R>,
  options: Options<R> = {}
): Handler<I, O, R> =>
  fiber<I, O, R>(
    (inbox, sender) =>
      Effect.forever(
        Effect.flatMap(Inbox.takeAll(inbox), (events) => {
          const out = f(events)
          if (Effect.isEffect(out)) return Effect.flatMap(out, (commands) => offerSome(sender, commands))
          return offerSome(sender, out)
        })
      ),
    { name: options.name ?? "batch", handshake: options.handshake }
  )

const offerSome = <O>(sender: Queue.Enqueue<O>, commands: ReadonlyArray<O>): Effect.Effect<void> =>
  commands.length === 0 ? Effect.void : Effect.asVoid(Queue.offerAll(sender, commands))

export { byPath } from "../handlers/route.js"
