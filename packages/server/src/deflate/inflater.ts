/**
 * One connection's decompression of the messages its client sent with RSV1 set (RFC 7692 §6,
 * §7.2.2). Small messages are inflated synchronously, in the caller's batch loop; big ones go to
 * the engine's {@link Slicer} and come back through the `onLater` callback. Results are delivered
 * in the order of the calls: while a message is pending, later ones (compressed or not) and
 * deferred actions wait behind it.
 *
 * Without context takeover (the default) the connection holds no zlib state: small messages use
 * the engine's one shared inflater, reset after each message. With takeover it holds only its
 * {@link Window}.
 *
 * @module
 */
import { type Opcode, type PermessageDeflate, Utf8 } from "@wspipe/codec"
import { InflateError, Pending } from "./errors.js"
import { GrowingOutput } from "./growing-output.js"
import { InflateRun, type SliceBudget } from "./inflate-run.js"
import { Joiner } from "./joiner.js"
import type { SlicedJob, Slicer } from "./slicer.js"
import { Window } from "./window.js"
import { ZlibHandle } from "./zlib-handle.js"

/** What a {@link MessageInflater} needs from its engine. */
export interface InflaterHost {
  readonly slicer: Slicer
  /** Output scratch shared by every run (runs copy out of it before they return). */
  readonly scratch: Uint8Array
  /** Validator for synchronous runs (jobs get their own). */
  readonly validator: Utf8.Validator
  readonly inflateBudget: SliceBudget
  /** The no-takeover inflater shared by all connections (windowBits 15 decodes every window). */
  sharedInflater(): ZlibHandle
  readonly counters: {
    inflatedSync: number
    inflatedSliced: number
    maxSliceInput: number
    maxSliceOutput: number
    inflatedBytesIn: number
    inflatedBytesOut: number
  }
}

/** A message's result: the inflated bytes, or why the connection must fail. */
export type InflateResult = Uint8Array | InflateError

/** Called with a pending message's result (and its kind), in order. */
export type InflateCallback = (kind: Opcode.MessageKind, result: InflateResult) => void

type Item =
  | { readonly kind: Opcode.MessageKind; readonly parts: ReadonlyArray<Uint8Array>; readonly compressed: boolean }
  | { readonly run: () => void }

const bytesOf = (parts: ReadonlyArray<Uint8Array>): number => {
  let n = 0
  for (const p of parts) n += p.length
  return n
}

const join = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(bytesOf(parts))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * The per-connection inflater. Create it from the negotiated `agreement.inflate`.
 *
 * @example
 * ```ts
 * import { DeflateEngine, InflateError, Pending } from "../src/deflate/index.js" // internal: not exported from the package root
 * import type { PermessageDeflate } from "@wspipe/codec"
 * declare const agreement: PermessageDeflate.Agreement
 * declare const payload: Uint8Array   // a message received with RSV1 (RFC 7692 §6)
 * declare const deliver: (kind: string, bytes: Uint8Array) => void
 * const engine = new DeflateEngine()
 * const rx = engine.inflater(agreement.inflate, { maxMessageSize: 1 << 20 }, (kind, later) => {
 *   if (!(later instanceof InflateError)) deliver(kind, later)
 * })
 * const r = rx.message("text", payload)
 * if (r === Pending) {}                      // comes later through the callback
 * else if (r instanceof InflateError) {}    // close with r.code (1007 or 1009), r.reason
 * else deliver("text", r)
 * rx.close()                                // connection ended
 * ```
 */
export class MessageInflater {
  private queue: Array<Item> | undefined = undefined
  private job: InflateJob | undefined = undefined
  private failed: InflateError | undefined = undefined
  private readonly window: Window | undefined

  constructor(
    private readonly host: InflaterHost,
    readonly direction: PermessageDeflate.Direction,
    readonly maxMessageSize: number,
    private readonly onLater: InflateCallback
  ) {
    this.window = direction.noContextTakeover ? undefined : new Window(direction.windowBits)
  }

  /** A message is pending: later calls are queued behind it. */
  get busy(): boolean {
    return this.job !== undefined
  }

  /** Compressed bytes held for pending and queued messages (for back-pressure on the socket). */
  get queuedBytes(): number {
    let n = this.job === undefined ? 0 : this.job.run.inputBytes
    if (this.queue !== undefined) for (const i of this.queue) if ("parts" in i) n += bytesOf(i.parts)
    return n
  }

  /** Bytes of LZ77 window this connection holds (0 without context takeover). */
  get windowBytes(): number {
    return this.window?.size ?? 0
  }

  /**
   * A complete message from the frame parser. `compressed` is RSV1 of its first frame (RFC 7692
   * §6); an uncompressed message passes through (queued if one is pending). Returns the result
   * now, or {@link Pending}. After a failure, returns that failure for every later call.
   */
  message(kind: Opcode.MessageKind, data: Uint8Array | ReadonlyArray<Uint8Array>, compressed = true): InflateResult | Pending {
    if (this.failed !== undefined) return this.failed
    const parts = data instanceof Uint8Array ? [data] : data
    if (this.job !== undefined) {
      ;(this.queue ??= []).push({ kind, parts, compressed })
      return Pending
    }
    return this.process(kind, parts, compressed)
  }

  /**
   * Runs `action` now when nothing is pending (returns true), else after the pending messages
   * (returns false): e.g. the Close event, which must follow the messages received before it.
   */
  defer(action: () => void): boolean {
    if (this.job === undefined) {
      action()
      return true
    }
    ;(this.queue ??= []).push({ run: action })
    return false
  }

  /** The connection ended: drops pending work and frees the window. Idempotent. */
  close(): void {
    if (this.job !== undefined) this.host.slicer.cancel(this.job)
    this.job = undefined
    this.queue = undefined
    this.window?.clear()
    this.failed ??= new InflateError("closed", 0)
  }

  private process(kind: Opcode.MessageKind, parts: ReadonlyArray<Uint8Array>, compressed: boolean): InflateResult | Pending {
    if (!compressed) return join(parts)
    const host = this.host
    if (bytesOf(parts) <= host.inflateBudget.input) {
      const handle = this.window === undefined ? host.sharedInflater() : this.open()
      const run = new InflateRun(parts, this.maxMessageSize, kind === "text" ? host.validator : undefined, host.scratch)
      const r = run.step(handle, host.inflateBudget)
      if (this.window === undefined)
        handle.reset() // no context takeover (RFC 7692 §7.1.1.2)
      else handle.close()
      if (r !== false) {
        host.counters.inflatedSync++
        return this.finish(run, r)
      }
      // Bigger than one slice after all (it inflates a lot): start over as a job. At most one
      // slice of work is repeated, and the job obeys the slicer's concurrency bound.
    }
    this.job = new InflateJob(this, kind, parts)
    host.slicer.submit(this.job)
    return Pending
  }

  /** A zlib context for one takeover message, primed with the window (RFC 7692 §7.2.2). */
  open(): ZlibHandle {
    return new ZlibHandle("inflate", { windowBits: this.direction.windowBits, dictionary: this.window?.view() })
  }

  newRun(kind: Opcode.MessageKind, parts: ReadonlyArray<Uint8Array>): InflateRun {
    const validator = kind === "text" ? new Utf8.Validator() : undefined
    // Up to the limit + 1 byte: the byte that shows the limit is exceeded (inflate-run.ts).
    const direct = GrowingOutput.make(this.maxMessageSize + 1)
    return new InflateRun(parts, this.maxMessageSize, validator, this.host.scratch, direct)
  }

  get budget(): SliceBudget {
    return this.host.inflateBudget
  }

  /** Records a slice's size (the engine's counters). */
  sliced(run: InflateRun): void {
    const c = this.host.counters
    c.maxSliceInput = Math.max(c.maxSliceInput, run.lastInput)
    c.maxSliceOutput = Math.max(c.maxSliceOutput, run.lastOutput)
  }

  finish(run: InflateRun, r: true | InflateError): InflateResult {
    const failed = this.settle(run, r)
    return failed ?? run.result()
  }

  /** Records the outcome (failure, or the takeover window slid over the output). */
  settle(run: InflateRun, r: true | InflateError): InflateError | undefined {
    if (r !== true) {
      this.failed = r
      this.queue = undefined
      return r
    }
    this.window?.append(run.output)
    const c = this.host.counters
    c.inflatedBytesIn += run.inputBytes
    c.inflatedBytesOut += run.total
    return undefined
  }

  /** Called by the job when its message is done; delivers it, then what waited behind it. */
  completed(kind: Opcode.MessageKind, result: InflateResult): void {
    this.job = undefined
    this.host.counters.inflatedSliced++
    this.onLater(kind, result)
    while (this.job === undefined && this.failed === undefined && this.queue !== undefined) {
      const item = this.queue.shift()
      if (item === undefined) {
        this.queue = undefined
        break
      }
      if ("run" in item) {
        item.run()
        continue
      }
      const r = this.process(item.kind, item.parts, item.compressed)
      if (r !== Pending) this.onLater(item.kind, r)
    }
  }
}

/**
 * A big message, inflated one slice per event-loop turn on its own zlib context, straight into the
 * buffer that becomes the message (`GrowingOutput`). Where the runtime cannot reserve that buffer,
 * the output goes through the scratch and is joined into one buffer in slices of the same budget.
 */
class InflateJob implements SlicedJob {
  private handle: ZlibHandle | undefined = undefined
  private joiner: Joiner | undefined = undefined
  readonly run: InflateRun

  constructor(
    private readonly owner: MessageInflater,
    private readonly kind: Opcode.MessageKind,
    parts: ReadonlyArray<Uint8Array>
  ) {
    this.run = owner.newRun(kind, parts)
  }

  start(): void {
    this.handle = this.owner.direction.noContextTakeover ? new ZlibHandle("inflate", { windowBits: 15 }) : this.owner.open()
  }

  step(): boolean {
    if (this.joiner !== undefined) return this.join()
    const r = this.run.step(this.handle!, this.owner.budget)
    this.owner.sliced(this.run)
    if (r === false) return false
    this.handle!.close()
    this.handle = undefined
    const failed = this.owner.settle(this.run, r)
    if (failed !== undefined || this.run.output.length <= 1) {
      this.owner.completed(this.kind, failed ?? this.run.result())
      return true
    }
    this.joiner = new Joiner(this.run.output, this.run.total)
    return false
  }

  private join(): boolean {
    if (!this.joiner!.step(this.owner.budget.output)) return false
    this.owner.completed(this.kind, this.joiner!.result)
    return true
  }

  abort(): void {
    this.handle?.close()
    this.handle = undefined
  }
}
