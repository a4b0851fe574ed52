/**
 * The socket sender (one per client): owns the write side of one socket. It drains its queue and
 * writes the whole batch at once (DESIGN §5: `ws` is slow mainly because it makes one `write()`
 * per message; a corked batch becomes one `writev`).
 */
import type * as Net from "node:net"
import { Effect, Queue } from "effect"
import type { Outbound } from "./outbound.js"

/**
 * Runs until it writes `End` (then ends TCP, RFC 6455 §7.1.1: the server closes TCP first), the
 * socket closes, or its queue is shut down.
 *
 * @example
 * ```ts
 * yield* Effect.forkChild(socketSender(socket, out, 5_000))
 * ```
 */
export const socketSender = (
  socket: Net.Socket,
  out: Queue.Dequeue<Outbound>,
  closeTimeoutMs: number
): Effect.Effect<void> =>
  Effect.gen(function*() {
    while (true) {
      const batch = yield* Queue.takeAll(out)
      if (socket.destroyed) return
      const { ok, ended } = writeBatch(socket, batch)
      if (ended) {
        socket.end()
        // The peer should close its side now; if it never does, do not keep the socket forever.
        const timer = setTimeout(() => socket.destroy(), closeTimeoutMs)
        timer.unref()
        socket.once("close", () => clearTimeout(timer))
        return
      }
      if (!ok) yield* waitForDrain(socket)
    }
  })

/** Writes a batch in one go; stops at `End`. Small batches are joined into one buffer. */
const writeBatch = (socket: Net.Socket, batch: ReadonlyArray<Outbound>): { ok: boolean; ended: boolean } => {
  const n = batch.length
  if (n === 1) {
    const only = batch[0]!
    if (!(only instanceof Uint8Array)) return { ok: true, ended: true }
    return { ok: socket.write(only), ended: false }
  }
  let total = 0
  let count = 0
  for (; count < n; count++) {
    const item = batch[count]!
    if (!(item instanceof Uint8Array)) break
    total += item.byteLength
  }
  const ended = count < n
  if (count === 0) return { ok: true, ended }
  let ok: boolean
  if (total <= COALESCE_LIMIT) {
    // One copy of small frames is cheaper than a writev with many tiny buffers.
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
  return { ok, ended }
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
