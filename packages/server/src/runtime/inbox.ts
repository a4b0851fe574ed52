/**
 * An actor's inbox: a bounded Effect queue that also carries connections' endings in band, so a
 * connection's ending reaches the sender after every reply the handler made to what came before
 * it — by construction, not by counting (RFC 6455 §5.5.1: a client that sends a message and then
 * Close expects the echo before the Close).
 *
 * The receiver puts a connection's `Ending` right behind its `Closed` event. Whoever takes from
 * an inbox with `Inbox.takeAll` (or `take`) gets only its own items; an ending taken together
 * with items is held, and passed on to the actor's output when the actor takes again — by then
 * the actor has done everything it does with those items, replies included. An ending that comes
 * first in a take passes at once (everything before it was handled in earlier takes). So an
 * ending moves down the pipeline one actor at a time, behind the work it must not overtake,
 * however long an actor suspends between its take and its offer.
 *
 * @example
 * ```ts
 * import { Command, Handler, Inbox } from "@wspipe/server"
 * import { Effect, Queue } from "effect"
 *
 * const echo = Handler.fiber((inbox, sender) =>
 *   Effect.forever(Effect.gen(function*() {
 *     const events = yield* Inbox.takeAll(inbox)
 *     yield* Effect.sleep("50 millis") // a Close that came behind these events still waits for us
 *     const out = events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])
 *     if (out.length > 0) yield* Queue.offerAll(sender, out)
 *   })))
 * ```
 */
import { Effect, Queue } from "effect"
import { type Ending, isEnding } from "../messages/runtime-message.js"
import * as ActorQueue from "./actor-queue.js"

const TypeId: unique symbol = Symbol.for("@wspipe/server/Inbox") as never

/** An inbox of `A`s. Take with {@link takeAll} or {@link take}; the runtime makes them. */
export interface Inbox<out A> {
  readonly [TypeId]: { readonly _A: () => A }
}

/** The inbox's parts (the runtime's view). */
interface Impl<A> extends Inbox<A> {
  readonly queue: Queue.Queue<A | Ending>
  /** The consuming actor's output: where endings go once the actor is past them. */
  readonly passTo: Queue.Enqueue<Ending>
  /** Endings taken together with items, waiting for the actor's next take. */
  held: Array<Ending>
}

const variance = { _A: () => undefined as never }

/**
 * Makes an inbox of `capacity` items (endings count too) whose endings pass to `passTo`: the
 * output of the actor that takes from it (see {@link redirect} to run another actor on it).
 * `passTo` must be a pipeline queue — the sender's inbox, or another inbox's {@link offerTo} —
 * since endings travel in it.
 *
 * @example
 * ```ts
 * import { Inbox } from "@wspipe/server"
 * import { Effect, Queue } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const output = yield* Queue.bounded<string>(16)
 *   const inbox = yield* Inbox.make<string>(16, output)
 *   yield* Queue.offer(Inbox.offerTo(inbox), "hello")
 *   return yield* Inbox.takeAll(inbox) // ["hello"]
 * })
 * ```
 */
export const make = <A>(capacity: number, passTo: Queue.Enqueue<never>): Effect.Effect<Inbox<A>> =>
  Effect.map(ActorQueue.bounded<A | Ending>(capacity), (queue): Inbox<A> => {
    const impl: Impl<A> = { [TypeId]: variance, queue, passTo: passTo as Queue.Enqueue<Ending>, held: [] }
    return impl
  })

const impl = <A>(inbox: Inbox<A>): Impl<A> => inbox as Impl<A>

/**
 * The same inbox for an actor whose output is `passTo`: it shares the queue, and passes the
 * endings it takes to `passTo`. For a composite actor that runs another actor on its own input
 * (`Stage.andThen` runs its first stage on it, with the joining inbox as that stage's output).
 * Only one actor may take from an inbox at a time.
 *
 * @example
 * ```ts
 * import { Inbox } from "@wspipe/server"
 * import { Effect, Queue } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const output = yield* Queue.bounded<number>(16)
 *   const inbox = yield* Inbox.make<number>(16, output)
 *   const middle = yield* Inbox.make<number>(16, output)
 *   const forFirst = Inbox.redirect(inbox, Inbox.offerTo(middle)) // its endings go through `middle`
 * })
 * ```
 */
export const redirect = <A>(inbox: Inbox<A>, passTo: Queue.Enqueue<never>): Inbox<A> => {
  const view: Impl<A> = { [TypeId]: variance, queue: impl(inbox).queue, passTo: passTo as Queue.Enqueue<Ending>, held: [] }
  return view
}

/** The queue the actor upstream offers to. */
export const offerTo = <A>(inbox: Inbox<A>): Queue.Enqueue<A> => impl(inbox).queue

/** Items waiting (endings included). */
export const size = <A>(inbox: Inbox<A>): number => Queue.sizeUnsafe(impl(inbox).queue)

/** Passes the held endings on, then takes what `body` takes. */
const afterHeld = <A, B>(self: Impl<A>, body: Effect.Effect<B>): Effect.Effect<B> => {
  if (self.held.length === 0) return body
  const held = self.held
  self.held = []
  return Effect.andThen(Queue.offerAll(self.passTo, held), body)
}

/**
 * Takes everything waiting (at least one item; waits until there is one). Passes on the endings
 * the previous take held (the actor is done with that batch: it is taking again).
 *
 * @example
 * ```ts
 * import { Inbox, type Event } from "@wspipe/server"
 * import { Effect } from "effect"
 *
 * const count = (inbox: Inbox.Inbox<Event.Event>) =>
 *   Effect.map(Inbox.takeAll(inbox), (events) => events.length)
 * ```
 */
export const takeAll = <A>(inbox: Inbox<A>): Effect.Effect<[A, ...Array<A>]> =>
  Effect.suspend(() => {
    const self = impl(inbox)
    return afterHeld(self, takeItems(self))
  })

const takeItems = <A>(self: Impl<A>): Effect.Effect<[A, ...Array<A>]> =>
  Effect.flatMap(Queue.takeAll(self.queue), (batch) => {
    let endings = 0
    for (let i = 0; i < batch.length; i++) if (isEnding(batch[i])) endings++
    if (endings === 0) return Effect.succeed(batch as [A, ...Array<A>])
    // Endings before the first item are past everything the actor took before: they pass now.
    // Endings after it wait for the actor's next take.
    const items: Array<A> = []
    const now: Array<Ending> = []
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!
      if (!isEnding(item)) items.push(item)
      else if (items.length === 0) now.push(item)
      else self.held.push(item)
    }
    const pass = now.length > 0 ? Queue.offerAll(self.passTo, now) : Effect.void
    return items.length > 0 ? Effect.as(pass, items as [A, ...Array<A>]) : Effect.andThen(pass, takeItems(self))
  })

/**
 * Takes one item (waits until there is one). Passes on held endings first, like {@link takeAll}.
 *
 * @example
 * ```ts
 * import { Inbox, type Event } from "@wspipe/server"
 *
 * const next = (inbox: Inbox.Inbox<Event.Event>) => Inbox.take(inbox)
 * ```
 */
export const take = <A>(inbox: Inbox<A>): Effect.Effect<A> =>
  Effect.suspend(() => {
    const self = impl(inbox)
    return afterHeld(self, takeOne(self))
  })

const takeOne = <A>(self: Impl<A>): Effect.Effect<A> =>
  Effect.flatMap(Queue.take(self.queue), (item) =>
    // An ending seen first is past everything taken before it: it passes at once.
    isEnding(item) ? Effect.andThen(Queue.offer(self.passTo, item), takeOne(self)) : Effect.succeed(item)
  )

/**
 * For the runtime's own loops (the callback API, routing): everything waiting, endings
 * included, none passed on — the caller passes each ending itself when it is done with that
 * connection.
 */
export const takeAllWithEndings = <A>(inbox: Inbox<A>): Effect.Effect<[A | Ending, ...Array<A | Ending>]> =>
  Effect.suspend(() => {
    const self = impl(inbox)
    return afterHeld(self, Queue.takeAll(self.queue))
  })

/** Where this inbox's endings go (for the runtime's own loops). */
export const passTarget = <A>(inbox: Inbox<A>): Queue.Enqueue<Ending> => impl(inbox).passTo
