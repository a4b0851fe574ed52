/**
 * The socket sender (one per client): owns the write side of one socket. It drains its queue and
 * writes the whole batch at once (DESIGN §5: `ws` is slow mainly because it makes one `write()`
 * per message; here a batch becomes one write).
 *
 * Like the socket receiver it runs as a fiber only while it has work: the sender wakes it after
 * offering to its queue, and it ends when the queue is empty (or after `End`). Waking it runs it
 * synchronously, so frames reach the socket in the sender's own tick — no scheduler turn per hop.
 */
import type * as Net from "node:net"
import { Effect, Queue } from "effect"
import type { Outbound } from "./outbound.js"
import type { RunFork } from "./socket-receiver.js"

/**
 * @example
 * ```ts
 * const socketSender = new SocketSender(socket, out, Effect.runFork, 5_000)
 * Queue.offerAllUnsafe(out, frames)
 * socketSender.wake()
 * ```
 */
export class SocketSender {
  private running = false
  private ended = false
  /** Bytes in `out` (the sender adds, this fiber subtracts when it takes them). */
  private queuedBytes = 0

  constructor(
    readonly socket: Net.Socket,
    readonly out: Queue.Queue<Outbound>,
    private readonly runFork: RunFork,
    private readonly closeTimeoutMs: number
  ) {}

  /** The sender offered `bytes` to `out`. */
  enqueued(bytes: number): void {
    this.queuedBytes += bytes
  }
  /** Bytes waiting: in `out` and in the socket's buffer (for the outbound buffer limit). */
  buffered(): number {
    return this.queuedBytes + this.socket.writableLength
  }

  /** Starts the fiber unless it is running (call after offering to `out`). */
  wake(): void {
    if (this.running || this.ended) return
    this.running = true
    this.runFork(this.drain)
  }

  /** The fiber's body: take everything, write it in one go, wait for `drain` if needed, repeat. */
  private readonly drain: Effect.Effect<void> = Effect.suspend(() => {
    if (this.socket.destroyed || Queue.sizeUnsafe(this.out) <= 0) {
      this.running = false
      return Effect.void
    }
    return Effect.flatMap(Queue.takeAll(this.out), (batch) => {
      if (this.socket.destroyed) {
        this.running = false
        return Effect.void
      }
      const { ok, ended, written } = writeBatch(this.socket, batch)
      this.queuedBytes -= written
      if (ended) {
        this.ended = true
        this.endTcp()
        return Effect.void
      }
      return ok ? this.drain : Effect.flatMap(waitForDrain(this.socket), () => this.drain)
    })
  })

  /** RFC 6455 §7.1.1: the server closes TCP first; if the peer never closes its side, drop it. */
  private endTcp(): void {
    const socket = this.socket
    socket.end()
    const timer = setTimeout(() => socket.destroy(), this.closeTimeoutMs)
    timer.unref()
    socket.once("close", () => clearTimeout(timer))
  }
}

/** Writes a batch in one go; stops at `End`. Small batches are joined into one buffer. */
const writeBatch = (socket: Net.Socket, batch: ReadonlyArray<Outbound>): { ok: boolean; ended: boolean; written: number } => {
  const n = batch.length
  let total = 0
  let count = 0
  for (; count < n; count++) {
    const item = batch[count]!
    if (!(item instanceof Uint8Array)) break
    total += item.byteLength
  }
  const ended = count < n
  if (count === 0) return { ok: true, ended, written: 0 }
  if (count === 1) return { ok: socket.write(batch[0] as Uint8Array), ended, written: total }
  let ok: boolean
  if (total <= COALESCE_LIMIT) {
    // One copy of small frames is cheaper than a writev of many tiny buffers.
    const joined = Buffer.allocUnsafe(total)
    let at = 0
    for (let i = 0; i < count; i++) {
      const item = batch[i] as Uint8Array
      joined.set(item, at)
      at += item.byteLength
    }
    ok = socket.write(joined)
  } else {
    socket.cork()
    ok = true
    for (let i = 0; i < count; i++) ok = socket.write(batch[i] as Uint8Array) && ok
    socket.uncork()
  }
  return { ok, ended, written: total }
}

const COALESCE_LIMIT = 64 * 1024

/** Waits until the socket's buffer drains (or the socket goes away). */
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
