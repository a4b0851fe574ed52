/**
 * One connection's compression of the messages the server sends (RFC 7692 §7.2.1), and
 * compress-once broadcasts.
 *
 * Without server context takeover (the default) a message depends on nothing sent before, so the
 * connection holds no zlib state: small messages use the engine's shared compressor for the agreed
 * window bits (reset after each message), and a {@link Broadcast} compresses its message once per
 * distinct parameters and gives the same bytes to every such recipient. With takeover the
 * connection owns one zlib context (created on its first compressed message, freed by
 * {@link MessageDeflater.close}); a broadcast is compressed in each such recipient's own context,
 * since bytes compressed elsewhere would not match the window its client keeps.
 *
 * Messages below the agreed `threshold` are sent uncompressed (RSV1 = 0, allowed per message,
 * RFC 7692 §6). Inputs larger than one slice are compressed by the engine's slicer; results come
 * back through `onLater`, in call order.
 *
 * @module
 */
import { PermessageDeflate } from "@wspipe/codec"
import { DeflateRun } from "./deflate-run.js"
import { GrowingOutput } from "./growing-output.js"
import { Joiner } from "./joiner.js"
import { Pending } from "./errors.js"
import type { SlicedJob, Slicer } from "./slicer.js"
import { ZlibHandle } from "./zlib-handle.js"

/** Compression parameters of one connection (from the negotiated agreement). */
export interface DeflateParams {
  readonly deflate: PermessageDeflate.Direction
  readonly threshold: number
  readonly level: number
  readonly memLevel: number
}

/** What a {@link MessageDeflater} needs from its engine. */
export interface DeflaterHost {
  readonly slicer: Slicer
  readonly scratch: Uint8Array
  /** Input bytes compressed per slice (and the largest message compressed synchronously). */
  readonly deflateBudget: number
  /** The shared no-takeover compressor for these zlib parameters. */
  sharedDeflater(windowBits: number, level: number, memLevel: number): ZlibHandle
  readonly counters: {
    deflatedSync: number
    deflatedSliced: number
    broadcastCompressions: number
    deflatedBytesIn: number
    deflatedBytesOut: number
  }
}

/**
 * A result: the payload to send with RSV1 set, or `undefined` to send the message uncompressed.
 */
export type DeflateResult = Uint8Array | undefined

/** Called with a pending message's result and the caller's token, in call order. */
export type DeflateCallback<T> = (token: T, result: DeflateResult) => void

/**
 * The most a message of `length` bytes can compress to, with the per-step sync flushes. Data that
 * does not compress goes out in stored blocks with a 5-byte header each (RFC 1951 §3.2.4). zlib
 * makes them at least a few hundred bytes long even at memLevel 1 (about 1 % of overhead), and
 * each flush adds 5 bytes more. A sixty-fourth plus 4 KiB is above that.
 */
const deflateBound = (length: number): number => length + Math.ceil(length / 64) + 4096

/** A compression in progress whose result one or more deflaters wait for. */
class DeflateJob implements SlicedJob {
  private handle: ZlibHandle | undefined = undefined
  /** After compressing: joining the output in slices (see `Joiner`). */
  private joiner: Joiner | undefined = undefined
  readonly run: DeflateRun
  result: DeflateResult | typeof Pending = Pending
  readonly waiters: Array<() => void> = []

  constructor(
    private readonly host: DeflaterHost,
    input: Uint8Array,
    /** A takeover context to use (kept), or the zlib parameters of a fresh one (closed at the end). */
    private readonly context: ZlibHandle | { windowBits: number; level: number; memLevel: number }
  ) {
    this.run = new DeflateRun(input, host.scratch, GrowingOutput.make(deflateBound(input.length)))
  }

  start(): void {
    this.handle = this.context instanceof ZlibHandle ? this.context : new ZlibHandle("deflate", this.context)
  }

  step(): boolean {
    if (this.joiner !== undefined) {
      if (!this.joiner.step(4 * this.host.deflateBudget)) return false
      return this.done(this.joiner.result)
    }
    if (!this.run.step(this.handle!, this.host.deflateBudget)) return false
    if (!(this.context instanceof ZlibHandle)) this.handle!.close()
    this.handle = undefined
    this.host.counters.deflatedSliced++
    // zlib cannot fail on valid input; should it, the message goes out uncompressed.
    if (this.run.failure !== undefined) return this.done(undefined)
    if (this.run.output.length <= 1) return this.done(this.run.result())
    this.joiner = new Joiner(this.run.output, this.run.payloadSize)
    return false
  }

  private done(result: DeflateResult): true {
    this.result = result === undefined ? undefined : counted(this.host, this.run.input.length, result)
    for (const w of this.waiters) w()
    return true
  }

  abort(): void {
    if (!(this.context instanceof ZlibHandle)) this.handle?.close()
    this.handle = undefined
  }
}

/** Counts one compression's bytes in and out (the engine's counters), and returns its result. */
const counted = (host: DeflaterHost, input: number, output: Uint8Array): Uint8Array => {
  host.counters.deflatedBytesIn += input
  host.counters.deflatedBytesOut += output.length
  return output
}

type Item<T> =
  | { readonly data: Uint8Array; readonly token: T }
  | { readonly broadcast: Broadcast; readonly token: T }
  | { readonly run: () => void }

/**
 * The per-connection deflater. Create it from the negotiated agreement.
 *
 * @example
 * ```ts
 * import { DeflateEngine, Pending } from "../src/deflate/index.js" // internal: not exported from the package root
 * declare const send: (payload: Uint8Array, rsv1: boolean) => void
 * const engine = new DeflateEngine()
 * const params = { deflate: { windowBits: 15, noContextTakeover: true }, threshold: 1024, level: 1, memLevel: 8 }
 * const tx = engine.deflater<string>(params, (_token, later) => later === undefined ? undefined : send(later, true))
 * const r = tx.compress(new Uint8Array(4096), "message 1")
 * if (r === Pending) {}                      // the callback gets it later, in order
 * else if (r === undefined) {}              // below the threshold: send it plain
 * else send(r, true)                        // RFC 7692 §6: RSV1 on the first frame
 * ```
 */
export class MessageDeflater<T> {
  private queue: Array<Item<T>> | undefined = undefined
  private waiting: DeflateJob | undefined = undefined
  /** `waiting` is this connection's own job (not a broadcast's, which others may wait for). */
  private ownJob = false
  private context: ZlibHandle | undefined = undefined
  private closed = false
  /** zlib window bits (8 → 9, see `PermessageDeflate.zlibWindowBits`). */
  readonly zlibBits: number

  constructor(
    private readonly host: DeflaterHost,
    readonly params: DeflateParams,
    private readonly onLater: DeflateCallback<T>
  ) {
    this.zlibBits = PermessageDeflate.zlibWindowBits(params.deflate.windowBits)
  }

  /** A message is pending: later calls are queued behind it. */
  get busy(): boolean {
    return this.waiting !== undefined
  }

  /** Whether this connection owns a zlib context now (takeover, after its first message). */
  get hasContext(): boolean {
    return this.context !== undefined
  }

  /** Compresses `data` for this connection (see the module comment). */
  compress(data: Uint8Array, token: T): DeflateResult | Pending {
    if (this.closed) return undefined
    if (this.waiting !== undefined) {
      ;(this.queue ??= []).push({ data, token })
      return Pending
    }
    return this.own(data, token)
  }

  /** This connection's bytes of a broadcast (see {@link Broadcast.for}). */
  shared(broadcast: Broadcast, token: T): DeflateResult | Pending {
    if (this.closed) return undefined
    if (this.waiting !== undefined) {
      ;(this.queue ??= []).push({ broadcast, token })
      return Pending
    }
    return this.fromBroadcast(broadcast, token)
  }

  /** Runs `action` now when nothing is pending (true), else after the pending messages (false). */
  defer(action: () => void): boolean {
    if (this.waiting === undefined) {
      action()
      return true
    }
    ;(this.queue ??= []).push({ run: action })
    return false
  }

  /** The connection ended: frees its zlib context and drops queued work. Idempotent. */
  close(): void {
    this.closed = true
    this.queue = undefined
    if (this.waiting !== undefined && this.ownJob) this.host.slicer.cancel(this.waiting)
    this.waiting = undefined
    this.context?.close()
    this.context = undefined
  }

  private own(data: Uint8Array, token: T): DeflateResult | Pending {
    const { params, host } = this
    if (data.length < params.threshold) return undefined
    const takeover = !params.deflate.noContextTakeover
    if (takeover) {
      this.context ??= new ZlibHandle("deflate", { windowBits: this.zlibBits, level: params.level, memLevel: params.memLevel })
    }
    if (data.length <= host.deflateBudget) {
      const handle = this.context ?? host.sharedDeflater(this.zlibBits, params.level, params.memLevel)
      const run = new DeflateRun(data, host.scratch)
      run.step(handle, host.deflateBudget)
      if (!takeover) handle.reset() // server_no_context_takeover (RFC 7692 §7.1.1.1)
      host.counters.deflatedSync++
      return run.failure === undefined ? counted(host, data.length, run.result()) : undefined
    }
    const job = new DeflateJob(host, data, this.context ?? { windowBits: this.zlibBits, level: params.level, memLevel: params.memLevel })
    this.wait(job, token, true)
    host.slicer.submit(job)
    return Pending
  }

  private fromBroadcast(broadcast: Broadcast, token: T): DeflateResult | Pending {
    const { params } = this
    if (!params.deflate.noContextTakeover) return this.own(broadcast.data, token)
    if (broadcast.data.length < params.threshold) return undefined
    const r = broadcast.compressed(this.zlibBits, params.level, params.memLevel)
    if (!(r instanceof DeflateJob)) return r
    if (r.result !== Pending) return r.result
    this.wait(r, token, false)
    return Pending
  }

  private wait(job: DeflateJob, token: T, own: boolean): void {
    this.waiting = job
    this.ownJob = own
    job.waiters.push(() => this.completed(job, token))
  }

  private completed(job: DeflateJob, token: T): void {
    if (this.closed || this.waiting !== job) return
    this.waiting = undefined
    this.onLater(token, job.result === Pending ? undefined : job.result)
    while (this.waiting === undefined && this.queue !== undefined) {
      const item = this.queue.shift()
      if (item === undefined) {
        this.queue = undefined
        break
      }
      if ("run" in item) {
        item.run()
        continue
      }
      const r = "data" in item ? this.own(item.data, item.token) : this.fromBroadcast(item.broadcast, item.token)
      if (r !== Pending) this.onLater(item.token, r)
    }
  }
}

/**
 * One message sent to many connections, compressed at most once per distinct zlib parameters
 * for all no-takeover recipients (compress-once broadcast). Make one per broadcast command and
 * ask it for each recipient's bytes; drop it after the command.
 *
 * @example
 * ```ts
 * import { DeflateEngine, type MessageDeflater } from "../src/deflate/index.js" // internal: not exported from the package root
 * declare const recipients: ReadonlyArray<MessageDeflater<number>>
 * const engine = new DeflateEngine()
 * const b = engine.broadcast(new Uint8Array(4096))
 * for (const [i, deflater] of recipients.entries()) {
 *   const r = deflater.shared(b, i) // Uint8Array (RSV1) | undefined (plain) | Pending
 * }
 * ```
 */
export class Broadcast {
  private readonly cache = new Map<number, Uint8Array | DeflateJob>()

  constructor(
    private readonly host: DeflaterHost,
    readonly data: Uint8Array
  ) {}

  /** The recipient's result: shared bytes when it takes no context over, else its own. */
  for<T>(deflater: MessageDeflater<T>, token: T): DeflateResult | Pending {
    return deflater.shared(this, token)
  }

  /** How many compressions this broadcast has run or started. */
  get compressions(): number {
    return this.cache.size
  }

  /** @internal The shared payload (or its pending job) for these parameters. */
  compressed(windowBits: number, level: number, memLevel: number): Uint8Array | undefined | DeflateJob {
    const key = (windowBits << 8) | (level << 4) | memLevel
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    const host = this.host
    host.counters.broadcastCompressions++
    if (this.data.length <= host.deflateBudget) {
      const handle = host.sharedDeflater(windowBits, level, memLevel)
      const run = new DeflateRun(this.data, host.scratch)
      run.step(handle, host.deflateBudget)
      handle.reset()
      host.counters.deflatedSync++
      if (run.failure !== undefined) return undefined
      const bytes = counted(host, this.data.length, run.result())
      this.cache.set(key, bytes)
      return bytes
    }
    const job = new DeflateJob(host, this.data, { windowBits, level, memLevel })
    this.cache.set(key, job)
    host.slicer.submit(job)
    return job
  }
}
