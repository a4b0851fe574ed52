/**
 * The socket receiver (one per client): owns the read side of one socket. It offers each chunk
 * the socket reads to the receiver as a `Chunk`. While the receiver's queue is full the offer
 * waits, nothing is read, and TCP pushes back on the client.
 *
 * It works in the tick of the socket's `data` event: each chunk Node read is offered as it is,
 * without waiting while the receiver's queue has room. (Flowing mode, as `ws` reads: paused-mode
 * `read()` joins every buffered chunk into a new buffer, one more copy of large messages, and
 * stops the kernel reads after each 16 KiB high-water mark.) Only when it must wait (a full queue)
 * does it pause the socket and become a fiber, suspended in `Queue.offer` until there is room —
 * and while it waits nothing is read. An idle connection holds no fiber at all, which is how a
 * connection costs less memory than in `ws`, and a message costs no fiber start
 * (docs/benchmarks.md). At most one fiber runs per socket at any time.
 *
 * Two things stop it reading besides a full queue: its credit (at most `maxInflightBytes` of its
 * bytes wait in the receiver's queue, so one flooding client leaves room for the others) and
 * `pause()` (the handler asks for it when this connection's messages pile up, see `Reading`).
 */
import type * as Net from "node:net"
import { Effect, Queue } from "effect"
import { type Connection, type Reading, record } from "../connection/connection.js"
import type { Watched } from "../connection/idle-watch.js"
import * as SocketInput from "../messages/socket-input.js"
import type { RunFork } from "../runtime/run-fork.js"

/** What all socket receivers of one server share: one object per server, not a field each. */
export interface SocketReceiverShared {
  readonly receiver: Queue.Enqueue<SocketInput.SocketInput>
  readonly runFork: RunFork
  readonly maxInflightBytes: number
  /**
   * The connection's bookkeeping when its socket closes (live sockets, the idle watch), run
   * before the end is reported. One function per server: a listener per connection would be a
   * closure and its context for the connection's whole life.
   */
  readonly closed?: (socketReceiver: SocketReceiver) => void
}

// The socket's listeners are these four functions, the same for every socket, and find their
// socket receiver through the socket (`ws` does the same): three closures per connection, one
// per event, cost 168 B of an idle connection's heap (docs/benchmarks.md).
const RECEIVER = Symbol("wspipe.socketReceiver")
type Owned = Net.Socket & { [RECEIVER]: SocketReceiver }
function onSocketData(this: Net.Socket, bytes: Buffer): void {
  ;(this as Owned)[RECEIVER].onData(bytes)
}
function onSocketEnd(this: Net.Socket): void {
  ;(this as Owned)[RECEIVER].onEnd()
}
function onSocketClose(this: Net.Socket): void {
  ;(this as Owned)[RECEIVER].onClose()
}
function onSocketError(this: Net.Socket, cause: unknown): void {
  ;(this as Owned)[RECEIVER].onError(cause)
}

// State bits (one field, not four booleans: 8 bytes per flag per connection).
/** A fiber runs (it waits to offer). */
const RUNNING = 1
/** The handler paused reading. */
const PAUSED = 2
/** The end was reported (or, the receiver having ended the connection, dropped). */
const TOLD = 4
/** `start` ran: the socket is read and its end is reported. */
const STARTED = 8

/**
 * @example
 * ```ts
 * import * as Net from "node:net"
 * import { Effect, type Queue } from "effect"
 * import { SocketReceiver, type SocketInput } from "@wspipe/server/internal"
 * import type { Connection } from "@wspipe/server"
 *
 * declare const conn: Connection, socket: Net.Socket, receiverInbox: Queue.Enqueue<SocketInput.SocketInput>
 * const runFork = (effect: Effect.Effect<unknown>) => void Effect.runFork(effect)
 * const socketReceiver = new SocketReceiver(conn, socket, { receiver: receiverInbox, runFork, maxInflightBytes: 256 * 1024 })
 * socketReceiver.start()
 * ```
 */
export class SocketReceiver implements SocketInput.Credit, Reading, Watched {
  private flags = 0
  /** Bytes offered to the receiver and not yet decoded. */
  private inflight = 0
  /** `end`, `close` or `error` was seen: after the last bytes, say so once. */
  private finished: SocketInput.Eof | SocketInput.SocketError | undefined = undefined
  /** Chunks that came while the fiber waited, in order (rare: see `onData`). */
  private held: Array<SocketInput.Chunk> | undefined = undefined
  /** Bytes read so far (the idle timer's proof of life). */
  bytesRead = 0
  // The idle watch's fields for this connection (see `Watched`): kept here rather than in an
  // entry object of the watch's own, one object fewer per connection.
  seen = 0
  since = 0
  pingedAt = -1

  /** Listens for the socket's `close` at once (the connection's bookkeeping); reads from `start`. */
  constructor(
    readonly conn: Connection,
    readonly socket: Net.Socket,
    private readonly shared: SocketReceiverShared
  ) {
    ;(socket as Owned)[RECEIVER] = this
    socket.on("close", onSocketClose)
  }

  /** Installs the listeners; the socket flows from the next tick (what it already holds first). */
  start(): void {
    this.flags |= STARTED
    this.socket.on("data", onSocketData)
    this.socket.on("end", onSocketEnd)
    this.socket.on("error", onSocketError)
    // A socket that closed while its connection was entering (a full queue made `enter` wait)
    // had its `close` before anyone read it: its end is reported now, or the receiver would keep
    // the connection's decoder and the sender its registry entry for good.
    if (this.socket.destroyed) this.finished ??= SocketInput.Eof(this.conn)
    // Explicitly: a socket that came from `readable` mode (our head parser) or from Node's HTTP
    // server may be left paused.
    this.wake()
  }

  private get running(): boolean {
    return (this.flags & RUNNING) !== 0
  }
  private set running(on: boolean) {
    this.flags = on ? this.flags | RUNNING : this.flags & ~RUNNING
  }
  private get paused(): boolean {
    return (this.flags & PAUSED) !== 0
  }
  private set paused(on: boolean) {
    this.flags = on ? this.flags | PAUSED : this.flags & ~PAUSED
  }
  private get told(): boolean {
    return (this.flags & TOLD) !== 0
  }
  private set told(on: boolean) {
    this.flags = on ? this.flags | TOLD : this.flags & ~TOLD
  }

  /** Stops reading (the bytes stay in the kernel; TCP pushes back on the client). */
  pause(): void {
    this.paused = true
    this.socket.pause()
  }
  /** Reads again. */
  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.wake()
  }
  /** The receiver decoded `bytes` of ours (see `SocketInput.Credit`). */
  release(bytes: number): void {
    const max = this.shared.maxInflightBytes
    const wasBlocked = this.inflight >= max
    this.inflight -= bytes
    if (wasBlocked && this.inflight < max) this.wake()
  }

  // The socket's events (its listeners call these).
  /** One chunk as Node read it: offered at once; the fiber starts only if it has to wait. */
  onData(bytes: Buffer): void {
    const chunk = this.take(bytes)
    // Nothing may overtake what a waiting fiber holds (a paused socket emits no data, but the
    // raw socket is the handler's too: someone may resume it).
    if (this.running) return void (this.held ??= []).push(chunk)
    if (!Queue.offerUnsafe(this.shared.receiver, chunk)) return this.wait(chunk)
    if (this.blocked()) this.socket.pause()
  }

  /** Reading may go on (credit back, resumed) or the socket ended: flow again, or say the end. */
  private wake(): void {
    if (this.running || this.told) return
    if (!this.blocked() && !this.socket.destroyed) this.socket.resume()
    if (this.endIsDue()) {
      this.told = true
      if (this.inputEnded()) return
      if (!Queue.offerUnsafe(this.shared.receiver, this.finished!)) this.wait(this.finished!)
    }
  }

  /** The receiver's queue is full: pause the socket and become a fiber that waits to offer `input`. */
  private wait(input: SocketInput.SocketInput): void {
    this.running = true
    this.socket.pause()
    this.shared.runFork(Effect.flatMap(Queue.offer(this.shared.receiver, input), () => this.drain()))
  }

  /** The receiver has reported this connection's ending already: its end of TCP adds nothing. */
  private inputEnded(): boolean {
    return record(this.conn).inputEnded === true
  }

  private blocked(): boolean {
    return this.paused || this.inflight >= this.shared.maxInflightBytes
  }

  private take(bytes: Buffer): SocketInput.Chunk {
    this.bytesRead += bytes.byteLength
    this.inflight += bytes.byteLength
    return SocketInput.Chunk(this.conn, bytes, this)
  }

  /**
   * The end is reported after the last bytes. A paused or out-of-credit receiver still reports it
   * once the socket is gone: its bytes are lost with the socket, and the handler must learn of it.
   */
  private endIsDue(): boolean {
    return this.finished !== undefined && !this.told && (!this.blocked() || this.socket.destroyed)
  }
  onEnd(): void {
    this.finished ??= SocketInput.Eof(this.conn)
    this.wake()
  }
  /** The connection's bookkeeping first; then, once reading, the end as for `end`. */
  onClose(): void {
    this.shared.closed?.(this)
    if ((this.flags & STARTED) !== 0) this.onEnd()
  }
  onError(cause: unknown): void {
    this.finished ??= SocketInput.SocketError(this.conn, cause)
    this.wake()
  }

  /**
   * The fiber's body once it has waited: offer what arrived meanwhile, then the end if it came and
   * is due, else flow again. The last thing offered is always one `Eof` or `SocketError`, so the
   * receiver learns of every connection's end exactly once, after all its bytes. A method, not a
   * field holding one Effect: it is built only when a wait happens, so an idle connection holds no
   * Effect objects.
   */
  private drain(): Effect.Effect<void> {
    return Effect.suspend(() => this.drainStep())
  }
  private drainStep(): Effect.Effect<void> {
    const held = this.held?.shift()
    if (held !== undefined) return Effect.flatMap(Queue.offer(this.shared.receiver, held), () => this.drain())
    if (this.endIsDue()) {
      this.told = true
      return this.inputEnded() ? Effect.void : Queue.offer(this.shared.receiver, this.finished!)
    }
    this.running = false
    this.wake()
    return Effect.void
  }
}
