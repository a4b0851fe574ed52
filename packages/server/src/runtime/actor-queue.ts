/**
 * The bounded queues that join the actors: Effect queues whose lists of waiting takers and
 * offerers are arrays instead of `Set`s.
 *
 * Why: an Effect 4.1 queue keeps the fibers waiting on it in a `Set`. The queues between the
 * actors live as long as the server, so V8 moves each `Set` to the old generation, and from then
 * on every add-then-delete rehashes the set's table into a new table allocated in the old
 * generation too (V8 `OrderedHashTable::Rehash` allocates in the generation of the table it
 * replaces). An actor that waits for its next batch adds itself and is deleted again when the
 * batch comes, so at one connection with one message in flight each message left ~240 B of
 * old-generation garbage. That garbage held the young taker objects alive through scavenges, so
 * they were promoted too: the heap climbed 9 → 38 MB between full collections, scavenges took
 * 0.7 ms instead of 0.3 ms and a 30 ms Mark-Compact came every few seconds (the c=1 p99.9 of
 * docs/benchmarks.md). An array that is pushed and spliced in place allocates nothing in the old
 * generation; the queue's behaviour is Effect's own, only the container differs.
 *
 * The swap uses the queue's `state`, which Effect exposes as the queue model's low-level
 * metadata; `test/actor-queue.test.ts` fails if that shape changes.
 */
import { Effect, Queue } from "effect"

/**
 * A `Set` kept in an array: insertion order, no duplicates, and no allocation on add or delete
 * once the array has its capacity. Iteration walks the array itself and allows the deletion of
 * the entry being visited, which is what Effect's queue does while it wakes waiters.
 */
export class WaitList<A> extends Set<A> {
  private readonly items: Array<A> = []

  override get size(): number {
    return this.items.length
  }

  override has(value: A): boolean {
    return this.items.indexOf(value) >= 0
  }

  override add(value: A): this {
    if (this.items.indexOf(value) < 0) this.items.push(value)
    return this
  }

  override delete(value: A): boolean {
    const at = this.items.indexOf(value)
    if (at < 0) return false
    // Shift down in place rather than `splice`, which would allocate the array of removed items.
    for (let i = at; i < this.items.length - 1; i++) this.items[i] = this.items[i + 1]!
    this.items.pop()
    return true
  }

  override clear(): void {
    this.items.length = 0
  }

  override forEach(f: (value: A, key: A, set: Set<A>) => void, thisArg?: unknown): void {
    for (const value of this) f.call(thisArg, value, value, this)
  }

  override *values(): SetIterator<A> {
    const items = this.items
    for (let i = 0; i < items.length; ) {
      const value = items[i]!
      yield value
      // The queue deletes the entry it is visiting: then the next one has moved into its place.
      if (items[i] === value) i++
    }
  }

  override keys(): SetIterator<A> {
    return this.values()
  }

  override *entries(): SetIterator<[A, A]> {
    for (const value of this) yield [value, value]
  }

  override [Symbol.iterator](): SetIterator<A> {
    return this.values()
  }
}

/** Gives a new, still open queue array-backed wait lists (see the module's comment). */
const withWaitLists = <A>(queue: Queue.Queue<A>): Queue.Queue<A> => {
  const state = queue.state
  if (state._tag === "Open" && state.takers.size === 0 && state.offers.size === 0) {
    queue.state = { ...state, takers: new WaitList(), offers: new WaitList() }
  }
  return queue
}

/**
 * A bounded queue for the hop between two actors: `Queue.bounded(capacity)` with wait lists that
 * leave no old-generation garbage per wait.
 */
export const bounded = <A>(capacity: number): Effect.Effect<Queue.Queue<A>> => Effect.map(Queue.bounded<A>(capacity), withWaitLists)
