/**
 * A stage: an actor a user puts between two of the pipeline's actors — JSON decoding,
 * authentication, rate limiting, metrics. It is a fiber body over an input inbox and an output
 * queue, like every actor, so it can be tested alone with in-memory queues. Connections' endings
 * pass through a stage by themselves (see `Inbox`): a stage that drops or holds items never
 * lets a Close reply overtake them.
 */
import { Effect, Fiber, Queue } from "effect"
import * as Inbox from "./inbox.js"

/** An actor from `A`s to `B`s. */
export interface Stage<A, B, R = never> {
  readonly name: string
  /** Loops forever: take from `input` (`Inbox.takeAll`), offer to `output`. */
  readonly run: (input: Inbox.Inbox<A>, output: Queue.Enqueue<B>) => Effect.Effect<unknown, unknown, R>
  /** Capacity of this stage's inbox. Default: the capacity of the queue it stands in front of. */
  readonly capacity?: number | undefined
}

/**
 * A stage from a fiber body.
 *
 * @example
 * ```ts
 * import { Inbox, Stage, type Event } from "@wspipe/server"
 * import { Effect, Queue } from "effect"
 *
 * const audit = Stage.make<Event.Event, Event.Event>("audit", (input, output) =>
 *   Effect.forever(Effect.gen(function*() {
 *     const batch = yield* Inbox.takeAll(input)
 *     yield* Effect.logDebug(`${batch.length} events`)
 *     yield* Queue.offerAll(output, batch)
 *   })))
 * ```
 */
export const make = <A, B, R = never>(name: string, run: Stage<A, B, R>["run"], capacity?: number): Stage<A, B, R> => ({
  name,
  run,
  capacity
})

/**
 * A stage that maps every item with a plain function, batch in, batch out; `undefined` drops the
 * item.
 *
 * @example
 * ```ts
 * import { Stage, type Event } from "@wspipe/server"
 *
 * const onlyText = Stage.filterMap<Event.Event, Event.Event>("only-text", (e) =>
 *   e._tag === "Message" && e.kind === "binary" ? undefined : e)
 * ```
 */
export const filterMap = <A, B>(name: string, f: (a: A) => B | undefined, capacity?: number): Stage<A, B> =>
  make(
    name,
    (input, output) =>
      Effect.forever(
        Effect.gen(function* () {
          const batch = yield* Inbox.takeAll(input)
          const out: Array<B> = []
          for (let i = 0; i < batch.length; i++) {
            const b = f(batch[i]!)
            if (b !== undefined) out.push(b)
          }
          if (out.length > 0) yield* Queue.offerAll(output, out)
        })
      ),
    capacity
  )

/**
 * Two stages one after the other, joined by an inbox of `second`'s capacity (default 1024). The
 * inbox is made once and outlives restarts, so nothing in it (endings included) is lost when a
 * supervisor restarts the pair.
 *
 * @example
 * ```ts
 * import { Stage, type Event } from "@wspipe/server"
 *
 * const noBinary = Stage.filterMap<Event.Event, Event.Event>("no-binary", (e) => e._tag === "Message" && e.kind === "binary" ? undefined : e)
 * const noEmpty = Stage.filterMap<Event.Event, Event.Event>("no-empty", (e) => e._tag === "Message" && e.data.length === 0 ? undefined : e)
 * const both = Stage.andThen(noBinary, noEmpty)
 * ```
 */
export const andThen = <A, B, C, R1, R2>(first: Stage<A, B, R1>, second: Stage<B, C, R2>): Stage<A, C, R1 | R2> => {
  return make(
    `${first.name} > ${second.name}`,
    (input, output) => {
      let middle: Inbox.Inbox<B> | undefined
      let firstInput: Inbox.Inbox<A> | undefined
      return Effect.scoped(
        Effect.gen(function* () {
          middle ??= yield* Inbox.make<B>(second.capacity ?? 1024, output)
          // `first` takes from our input, but its output is `middle`: its endings must go there.
          firstInput ??= Inbox.redirect(input, Inbox.offerTo(middle))
          const a = yield* Effect.forkScoped(first.run(firstInput, Inbox.offerTo(middle)))
          const b = yield* Effect.forkScoped(second.run(middle, output))
          // If either ends, the scope closes and interrupts the other, so a supervisor restarts the
          // pair rather than running two copies of the survivor.
          return yield* Effect.raceFirst(Fiber.join(a), Fiber.join(b))
        })
      )
    },
    first.capacity
  )
}
