/**
 * The socket sender (one per client): owns the write side of one socket. It drains its queue and
 * writes the whole batch at once (`ws` is slow mainly because it makes one `write()`
 * per message; here a batch becomes one write).
 *
 * The sender wakes it after offering to its queue. When the socket can take more, it drains the
 * queue and writes in the sender's own tick — no fiber start, no scheduler turn per message. Only
 * when it must wait (the socket's buffer is full: the client reads slowly) does it become a fiber,
 * suspended until `drain`, which goes on draining until the queue is empty (or `End`).
 */
import type * as Net from "node:net"
import { Effect, Queue } from "effect"
import { byteLength, type Framed, type Outbound, type SocketLink } from "../messages/outbound.js"
import type { RunFork } from "../runtime/run-fork.js"

/** What all socket senders of one server share: one object per server, not three fields each. */
export interface SocketSenderShared {
  /** The queue's capacity, in frames. */
  readonly capacity: number
  readonly runFork: RunFork
  /** How long the peer has to close TCP after ours (RFC 6455 §7.1.1). */
  readonly closeTimeoutMs: number
}

const RUNNING = 1
const ENDED = 2
const ABORTED = 4

/**
 * @example
 * ```ts
 * import * as Net from "node:net"
 * import { Effect } from "effect"
 * import { SocketSender } from "@wspipe/server/internal"
 *
 * declare const socket: Net.Socket
 * const socketSender = new SocketSender(socket, { capacity: 1024, runFork: (effect) => void Effect.runFork(effect), closeTimeoutMs: 5_000 })
 * const rest = socketSender.offer([Uint8Array.of(0x81, 0x00)]) // what did not fit: the slow-consumer policy's
 * ```
 */
export class SocketSender implements SocketLink {
  /** RUNNING, ENDED, ABORTED: one field rather than three booleans (8 bytes each, per connection). */
  private flags = 0
  /** The bounded queue from the sender; made with the first frame (idle connections have none). */
  private out: Queue.Queue<Outbound> | undefined = undefined
  /** Bytes in `out` (added on offer, subtracted when taken). */
  private queuedBytes = 0
  /** Taken from `out` and not written yet: the rest of a big buffer, then what followed it (`WRITE_SLICE`). */
  private held: ReadonlyArray<Outbound> | undefined = undefined

  constructor(
    readonly socket: Net.Socket,
    private readonly shared: SocketSenderShared
  ) {}

  /** A fiber runs (it waits for `drain`). */
  private get running(): boolean {
    return (this.flags & RUNNING) !== 0
  }
  private set running(on: boolean) {
    this.flags = on ? this.flags | RUNNING : this.flags & ~RUNNING
  }
  /** `End` was written: TCP is ending, nothing more goes out. */
  private get ended(): boolean {
    return (this.flags & ENDED) !== 0
  }
  private set ended(on: boolean) {
    this.flags = on ? this.flags | ENDED : this.flags & ~ENDED
  }
  /** `abort` ran: the queue is gone. */
  private get aborted(): boolean {
    return (this.flags & ABORTED) !== 0
  }
  private set aborted(on: boolean) {
    this.flags = on ? this.flags | ABORTED : this.flags & ~ABORTED
  }

  offer(items: ReadonlyArray<Outbound>): ReadonlyArray<Outbound> {
    if (this.aborted) return items
    // Direct write: with nothing queued and no wait for `drain` under way, the queue would be
    // filled and emptied again in this very call; the batch is written without it (what the
    // socket does not take at once waits in the socket's own buffer, counted by `backlog`).
    if (!this.running && !this.ended && !this.socket.destroyed && items.length <= this.shared.capacity && this.queued() === 0) {
      this.write(items)
      return NONE
    }
    this.out ??= Effect.runSync(Queue.bounded<Outbound>(this.shared.capacity))
    const rest = Queue.offerAllUnsafe(this.out, items)
    if (rest.length < items.length) {
      for (let i = 0; i < items.length - rest.length; i++) this.queuedBytes += byteLength(items[i]!)
      this.wake()
    }
    return rest
  }
  queued(): number {
    return this.out === undefined ? 0 : Queue.sizeUnsafe(this.out)
  }
  backlog(): number {
    let held = 0
    if (this.held !== undefined) for (const item of this.held) held += byteLength(item)
    return this.queuedBytes + held + this.socket.writableLength
  }
  abort(closeFrame: Uint8Array): void {
    if (this.aborted) return
    this.aborted = true
    // The queue is full (the client does not read): what waits in it is dropped, and the Close
    // goes straight to the socket, after what the socket already buffered.
    if (this.out !== undefined) Queue.shutdownUnsafe(this.out)
    this.held = undefined
    const socket = this.socket
    if (!socket.destroyed && socket.writable) {
      socket.write(closeFrame)
      socket.end()
    }
    setTimeout(() => socket.destroy(), this.shared.closeTimeoutMs).unref()
  }
  destroy(): void {
    this.socket.destroy()
  }

  /** There is something in the queue. */
  private wake(): void {
    if (this.running || this.ended) return
    if (this.writeQueued()) this.waitForDrain()
  }

  /** Writes a batch that bypassed the queue (see `offer`). */
  private write(items: ReadonlyArray<Outbound>): void {
    const { ok, ended, held } = writeBatch(this.socket, items)
    this.held = held
    if (ended) {
      this.ended = true
      this.endTcp()
    } else if (!ok) this.waitForDrain()
  }

  /** The socket's buffer is full: become a fiber until `drain`, then write on what was queued meanwhile. */
  private waitForDrain(): void {
    this.running = true
    this.shared.runFork(Effect.flatMap(this.pause(), () => this.drain()))
  }

  /**
   * Until the socket has drained; with a big buffer written in part (`held`), also until the
   * event loop's next turn: the kernel often takes a slice at once, and without the turn the
   * slices would follow each other in this one, other connections waiting behind all of them.
   */
  private pause(): Effect.Effect<void> {
    return this.held === undefined ? waitForDrain(this.socket) : Effect.andThen(waitForDrain(this.socket), nextTurn)
  }

  /**
   * Takes everything queued and writes it in one go. Returns true when the socket's buffer is
   * full, so the caller must wait for `drain` before writing more.
   */
  private writeQueued(): boolean {
    while (!this.ended && !this.socket.destroyed) {
      const fromQueue = this.held === undefined
      const batch = this.held ?? (this.out === undefined ? [] : takeAllNow(this.out))
      if (batch.length === 0) return false
      const { ok, ended, written, held } = writeBatch(this.socket, batch)
      this.held = held
      if (fromQueue) this.queuedBytes -= written
      if (ended) {
        this.ended = true
        this.endTcp()
        return false
      }
      if (!ok) return true
    }
    return false
  }

  /** The fiber's body once the socket has drained: write on until empty or full again. */
  // A method, not a field holding one Effect: built only when a wait happens (idle connections
  // hold no Effect objects).
  private drain(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.writeQueued()) return Effect.flatMap(this.pause(), () => this.drain())
      this.running = false
      return Effect.void
    })
  }

  /** RFC 6455 §7.1.1: the server closes TCP first; if the peer never closes its side, drop it. */
  private endTcp(): void {
    const socket = this.socket
    socket.end()
    const timer = setTimeout(() => socket.destroy(), this.shared.closeTimeoutMs)
    timer.unref()
    socket.once("close", () => clearTimeout(timer))
  }
}

/**
 * Writes a batch in one go; stops at `End`. Small frames are joined into one buffer (one copy is
 * cheaper than a writev of many tiny buffers); otherwise the buffers go out corked, as one writev.
 * A buffer above `WRITE_SLICE` is cut: its first slice is written, and its rest with everything
 * after it comes back as `held`, for the next write once this one has drained.
 */
const writeBatch = (
  socket: Net.Socket,
  batch: ReadonlyArray<Outbound>
): { ok: boolean; ended: boolean; written: number; held?: ReadonlyArray<Outbound> } => {
  const n = batch.length
  let total = 0
  let count = 0
  let joinable = true
  for (; count < n; count++) {
    const item = batch[count]!
    if (item instanceof Uint8Array) total += item.byteLength
    else if (item._tag === "Parts") {
      total += item.header.byteLength + item.payload.byteLength
      joinable = false
    } else break
  }
  const ended = count < n
  if (count === 0) return { ok: true, ended, written: 0 }
  const first = batch[0]!
  if (count === 1 && first instanceof Uint8Array && first.byteLength <= WRITE_SLICE) {
    return { ok: socket.write(first), ended, written: total }
  }
  let ok = true
  if (joinable && total <= COALESCE_LIMIT) {
    ok = socket.write(joinShared(batch as ReadonlyArray<Uint8Array>, count, total))
    return { ok, ended, written: total }
  }
  socket.cork()
  for (let i = 0; i < count; i++) {
    const item = batch[i] as Framed
    const bytes = item instanceof Uint8Array ? item : item.payload
    if (!(item instanceof Uint8Array)) ok = socket.write(item.header) && ok
    if (bytes.byteLength > WRITE_SLICE) {
      socket.write(bytes.subarray(0, WRITE_SLICE))
      socket.uncork()
      return { ok: false, ended: false, written: total, held: [bytes.subarray(WRITE_SLICE), ...batch.slice(i + 1)] }
    }
    ok = socket.write(bytes) && ok
  }
  socket.uncork()
  return { ok, ended, written: total }
}

/**
 * The most bytes handed to the kernel in one write. A write runs in the event loop's turn, and on
 * loopback the kernel copies (and delivers) all it takes before returning: one 16 MiB echo held
 * the loop for 25–30 ms, every other connection waiting (the deflate stall test). In slices of
 * 1 MiB, with other connections' work between them, the turn stays near 2 ms; a 1 MiB frame still
 * goes out in one write.
 */
const WRITE_SLICE = 1024 * 1024

const COALESCE_LIMIT = 64 * 1024

const NONE: ReadonlyArray<Outbound> = []

/**
 * The shared join: the frames of the last joined batch (the same objects) and their join. A
 * broadcast hands every recipient the very same frames in the same order, so the connections of
 * one flush would each copy the same bytes into a buffer of their own (a new 8 KiB allocation
 * and copy per client for 8 × 1 KiB); they get the one buffer instead — Node only reads it.
 * Holds at most COALESCE_LIMIT bytes of join and the frames behind it until the next join.
 */
let sharedFrames: ReadonlyArray<Uint8Array> = []
let sharedJoin: Buffer = Buffer.alloc(0)

const joinShared = (batch: ReadonlyArray<Uint8Array>, count: number, total: number): Buffer => {
  if (count === sharedFrames.length) {
    let same = true
    for (let i = 0; i < count && same; i++) same = batch[i] === sharedFrames[i]
    if (same) return sharedJoin
  }
  const joined = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < count; i++) {
    const item = batch[i]!
    joined.set(item, at)
    at += item.byteLength
  }
  sharedFrames = batch.slice(0, count) // a copy: the caller may reuse its array
  sharedJoin = joined
  return joined
}

/** Everything in the queue now, without waiting (empty when there is nothing). */
const takeAllNow = <A>(queue: Queue.Queue<A>): Array<A> => {
  const items: Array<A> = []
  while (true) {
    const exit = Queue.takeUnsafe(queue)
    if (exit === undefined || exit._tag !== "Success") return items
    items.push(exit.value)
  }
}

/** Waits until the socket's buffer drains (or the socket goes away). */
/** The event loop's next turn (after its I/O). */
const nextTurn: Effect.Effect<void> = Effect.callback<void>((resume) => {
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

const waitForDrain = (socket: Net.Socket): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (socket.destroyed || socket.writableLength === 0) return resume(Effect.void)
    const done = () => {
      socket.off("drain", done)
      socket.off("close", done)
      resume(Effect.void)
    }
    socket.on("drain", done)
    socket.on("close", done)
    return Effect.sync(() => {
      socket.off("drain", done)
      socket.off("close", done)
    })
  })
