/**
 * A pull-based view of a paused `net.Socket`: `read` completes with everything buffered, or waits
 * for the next `readable`. Listeners are installed once per socket, not once per read, so a read is
 * one `Effect.callback` and no listener churn (DESIGN §5).
 */
import type * as Net from "node:net"
import { Effect } from "effect"

/** The result of one pull: bytes, the end of the stream, or a socket failure. */
export type ReadResult =
  | { readonly _tag: "Data"; readonly bytes: Buffer }
  | { readonly _tag: "End" }
  | { readonly _tag: "Failure"; readonly cause: unknown }

const END: ReadResult = { _tag: "End" }

/** @internal */
export class SocketReader {
  private waiter: ((result: ReadResult) => void) | undefined = undefined
  private finished: ReadResult | undefined = undefined
  /** Bytes read so far (the idle timer's proof of life). */
  bytesRead = 0

  constructor(readonly socket: Net.Socket) {
    // 'readable' keeps the stream in paused mode: nothing is read from the kernel beyond the
    // stream's high-water mark until we call read(), so a blocked socket receiver means TCP
    // back-pressure on the client (DESIGN §6).
    socket.on("readable", this.wake)
    socket.on("end", this.onEnd)
    socket.on("close", this.onEnd)
    socket.on("error", this.onError)
  }

  private readonly wake = (): void => {
    const waiter = this.waiter
    if (waiter === undefined) return
    const result = this.poll()
    if (result !== undefined) {
      this.waiter = undefined
      waiter(result)
    }
  }
  private readonly onEnd = (): void => {
    if (this.finished === undefined) this.finished = END
    this.wake()
  }
  private readonly onError = (cause: unknown): void => {
    if (this.finished === undefined) this.finished = { _tag: "Failure", cause }
    this.wake()
  }

  /** Everything buffered now, or the end, or undefined when the caller must wait. */
  poll(): ReadResult | undefined {
    // read() with no size returns the whole internal buffer as one Buffer.
    const bytes = this.socket.destroyed ? null : (this.socket.read() as Buffer | null)
    if (bytes !== null) {
      this.bytesRead += bytes.byteLength
      return { _tag: "Data", bytes }
    }
    return this.finished
  }

  /** Waits for the next bytes (or the end). */
  readonly read: Effect.Effect<ReadResult> = Effect.callback<ReadResult>((resume) => {
    const now = this.poll()
    if (now !== undefined) return resume(Effect.succeed(now))
    this.waiter = (result) => resume(Effect.succeed(result))
    return Effect.sync(() => {
      this.waiter = undefined
    })
  })

  /** Removes the listeners (the socket may live on, e.g. after an HTTP rejection). */
  detach(): void {
    this.socket.off("readable", this.wake)
    this.socket.off("end", this.onEnd)
    this.socket.off("close", this.onEnd)
    this.socket.off("error", this.onError)
  }
}
