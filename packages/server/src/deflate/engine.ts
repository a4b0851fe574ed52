/**
 * The permessage-deflate engine of one server: the shared zlib contexts, the slicer for big
 * messages, and the factories of the per-connection {@link MessageInflater} and
 * {@link MessageDeflater}. Everything runs on the event-loop thread, synchronously for messages up
 * to one slice and in one slice per turn above (docs/deflate-engine.md has the measurements).
 *
 * Memory: the engine holds one inflater (windowBits 15, ~40 KiB native) and one compressor per
 * distinct (windowBits, level, memLevel) in use (~`2^(w+2) + 2^(m+9)` bytes each, 262 KiB at
 * 15/8), a 64 KiB scratch buffer, and at most `maxConcurrentJobs` contexts of running big jobs.
 *
 * @module
 */
import { type PermessageDeflate, Utf8 } from "@wspipe/codec"
import { Broadcast, MessageDeflater, type DeflateCallback, type DeflateParams, type DeflaterHost } from "./deflater.js"
import type { SliceBudget } from "./inflate-run.js"
import { MessageInflater, type InflateCallback, type InflaterHost } from "./inflater.js"
import { Slicer } from "./slicer.js"
import { available, ZlibHandle } from "./zlib-handle.js"

/** Engine settings (all optional). */
export interface EngineOptions {
  /** Compressed bytes consumed per inflate slice, and the largest input inflated synchronously. Default 64 KiB. */
  readonly inflateSliceInput?: number | undefined
  /** Bytes produced per inflate slice (more → the message goes to the slicer). Default 64 KiB: a slice writes fresh pages, slow on first touch (docs/deflate-engine.md). */
  readonly inflateSliceOutput?: number | undefined
  /** Input bytes per deflate slice, and the largest message compressed synchronously. Default 64 KiB. */
  readonly deflateSlice?: number | undefined
  /** Big jobs holding a zlib context at once; the rest wait. Default 2. */
  readonly maxConcurrentJobs?: number | undefined
  /** How a slice is scheduled (tests); default `setImmediate`, one slice per event-loop turn. */
  readonly schedule?: ((turn: () => void) => void) | undefined
}

/** Counters of an engine (for tests and metrics). */
export interface EngineCounters {
  inflatedSync: number
  inflatedSliced: number
  /** The most compressed bytes one inflate slice consumed, and the most bytes it produced. */
  maxSliceInput: number
  maxSliceOutput: number
  deflatedSync: number
  deflatedSliced: number
  broadcastCompressions: number
  /** Bytes of compressed messages received, and what they inflated to (successful ones). */
  inflatedBytesIn: number
  inflatedBytesOut: number
  /** Bytes of messages compressed, and what they compressed to (a shared result counts once). */
  deflatedBytesIn: number
  deflatedBytesOut: number
}

const SCRATCH = 64 * 1024

/**
 * @example
 * ```ts
 * import { DeflateEngine, type InflateCallback, type DeflateCallback } from "../src/deflate/index.js" // internal: not exported from the package root
 * import type { PermessageDeflate } from "@wspipe/codec"
 * declare const agreement: PermessageDeflate.Agreement
 * declare const onInflated: InflateCallback
 * declare const onDeflated: DeflateCallback<number>
 * const engine = new DeflateEngine()
 * const rx = engine.inflater(agreement.inflate, { maxMessageSize: 1 << 20 }, onInflated)
 * const tx = engine.deflater({ deflate: agreement.deflate, threshold: 1024, level: 1, memLevel: 8 }, onDeflated)
 * engine.close() // at server shutdown
 * ```
 */
export class DeflateEngine implements InflaterHost, DeflaterHost {
  readonly slicer: Slicer
  readonly scratch = new Uint8Array(SCRATCH)
  readonly validator = new Utf8.Validator()
  readonly inflateBudget: SliceBudget
  readonly deflateBudget: number
  readonly counters: EngineCounters = {
    inflatedSync: 0,
    inflatedSliced: 0,
    maxSliceInput: 0,
    maxSliceOutput: 0,
    deflatedSync: 0,
    deflatedSliced: 0,
    broadcastCompressions: 0,
    inflatedBytesIn: 0,
    inflatedBytesOut: 0,
    deflatedBytesIn: 0,
    deflatedBytesOut: 0
  }
  private inflate: ZlibHandle | undefined = undefined
  private readonly deflaters = new Map<number, ZlibHandle>()

  constructor(options: EngineOptions = {}) {
    if (!available()) {
      throw new Error("wspipe deflate: Node's zlib handle cannot be driven synchronously here (docs/deflate-engine.md)")
    }
    this.inflateBudget = {
      input: options.inflateSliceInput ?? 64 * 1024,
      output: options.inflateSliceOutput ?? 64 * 1024
    }
    this.deflateBudget = options.deflateSlice ?? 64 * 1024
    this.slicer = new Slicer(options.maxConcurrentJobs ?? 2, options.schedule)
  }

  /** A connection's inflater for the agreed client → server parameters. */
  inflater(direction: PermessageDeflate.Direction, limits: { readonly maxMessageSize: number }, onLater: InflateCallback): MessageInflater {
    return new MessageInflater(this, direction, limits.maxMessageSize, onLater)
  }

  /** A connection's deflater for the agreed server → client parameters. */
  deflater<T>(params: DeflateParams, onLater: DeflateCallback<T>): MessageDeflater<T> {
    return new MessageDeflater(this, params, onLater)
  }

  /** A compress-once view of one broadcast message. */
  broadcast(data: Uint8Array): Broadcast {
    return new Broadcast(this, data)
  }

  /** The shared no-takeover inflater (windowBits 15 inflates data of every window size). */
  sharedInflater(): ZlibHandle {
    return (this.inflate ??= new ZlibHandle("inflate", { windowBits: 15 }))
  }

  /** The shared no-takeover compressor for these zlib parameters. */
  sharedDeflater(windowBits: number, level: number, memLevel: number): ZlibHandle {
    const key = (windowBits << 8) | (level << 4) | memLevel
    let d = this.deflaters.get(key)
    if (d === undefined) {
      d = new ZlibHandle("deflate", { windowBits, level, memLevel })
      this.deflaters.set(key, d)
    }
    return d
  }

  /** Shared compressors in use (one per distinct parameters). */
  get sharedDeflaters(): number {
    return this.deflaters.size
  }

  /** Frees the shared contexts (server shutdown). Connections must have closed theirs. */
  close(): void {
    this.inflate?.close()
    this.inflate = undefined
    for (const d of this.deflaters.values()) d.close()
    this.deflaters.clear()
  }
}
