/**
 * A stage: an actor a user puts between two of the pipeline's actors (DESIGN §4) — JSON decoding,
 * authentication, rate limiting, metrics. It is a fiber body over an input and an output queue,
 * like every actor, so it can be tested alone with in-memory queues.
 */
import { Effect, Fiber, Queue } from "effect"

/** An actor from `A`s to `B`s. */
export interface Stage<A, B> {
  readonly name: string
  /** Loops forever: take from `input` (in batches), offer to `output`. */
  readonly run: (input: Queue.Dequeue<A>, output: Queue.Enqueue<B>) => Effect.Effect<unknown, unknown>
  /** Capacity of the queue this stage's output goes into. Default 1024. */
  readonly capacity?: number | undefined
}

/**
 * A stage from a fiber body.
 *
 * @example
 * ```ts
 * const audit = Stage.make<Event.Event, Event.Event>("audit", (input, output) =>
 *   Effect.forever(Effect.gen(function*() {
 *     const batch = yield* Queue.takeAll(input)
 *     yield* Effect.logDebug(`${batch.length} events`)
 *     yield* Queue.offerAll(output, batch)
 *   })))
 * ```
 */
export const make = <A, B>(name: string, run: Stage<A, B>["run"], capacity?: number): Stage<A, B> => ({ name, run, capacity })

/**
 * A stage that maps every item with a plain function, batch in, batch out; `undefined` drops the
 * item. The function may return several items as an array when `many` is set.
 *
 * @example
 * ```ts
 * const onlyText = Stage.filterMap<Event.Event, Event.Event>("only-text", (e) =>
 *   e._tag === "Message" && e.kind === "binary" ? undefined : e)
 * ```
 */
export const filterMap = <A, B>(name: string, f: (a: A) => B | undefined, capacity?: number): Stage<A, B> =>
  make(name, (input, output) =>
    Effect.forever(Effect.gen(function*() {
      const batch = yield* Queue.takeAll(input)
      const out: Array<B> = []
      for (let i = 0; i < batch.length; i++) {
        const b = f(batch[i]!)
        if (b !== undefined) out.push(b)
      }
      if (out.length > 0) yield* Queue.offerAll(output, out)
    })), capacity)

/**
 * Two stages one after the other, joined by a bounded queue of `first`'s capacity.
 *
 * @example
 * ```ts
 * const both = Stage.andThen(decodeJson, rateLimit)
 * ```
 */
export const andThen = <A, B, C>(first: Stage<A, B>, second: Stage<B, C>): Stage<A, C> =>
  make(`${first.name} > ${second.name}`, (input, output) =>
    Effect.scoped(Effect.gen(function*() {
      const middle = yield* Queue.bounded<B>(first.capacity ?? 1024)
      const a = yield* Effect.forkScoped(first.run(input, middle))
      const b = yield* Effect.forkScoped(second.run(middle, output))
      // If either ends, the scope closes and interrupts the other, so a supervisor restarts the
      // pair with a fresh middle queue rather than running two copies of the survivor.
      return yield* Effect.raceFirst(Fiber.join(a), Fiber.join(b))
    })), second.capacity)
