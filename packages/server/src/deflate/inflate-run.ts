/**
 * Inflating one message (RFC 7692 §7.2.2): the payload (one or several frames' payloads) followed
 * by `00 00 ff ff`, decompressed in steps bounded by input and output bytes. The output is checked
 * while it is produced: the message limit (stop at limit + 1 byte → 1009, so a deflate bomb never
 * makes us hold more than the limit) and, for text, UTF-8 (the codec's streaming validator, so a
 * bad byte fails the message right after zlib produced it).
 *
 * @module
 */
import type { Utf8 } from "@wspipe/codec"
import { InflateError } from "./errors.js"
import { copyOut } from "./copy-out.js"
import type { GrowingOutput } from "./growing-output.js"
import type { ZlibHandle } from "./zlib-handle.js"

/** Appended to every compressed message before inflating (RFC 7692 §7.2.2 step 1). */
export const TRAILER = Uint8Array.of(0x00, 0x00, 0xff, 0xff)

const EMPTY = new Uint8Array(0)

/** Bytes one step may consume and produce. */
export interface SliceBudget {
  readonly input: number
  readonly output: number
}

/**
 * The state of one message being inflated; {@link step} can be called across event-loop turns
 * with the same zlib context.
 *
 * @example
 * ```ts
 * import { InflateRun, ZlibHandle } from "../src/deflate/index.js" // internal: not exported from the package root
 * declare const payload: Uint8Array // a compressed message, trailer appended
 * const handle = new ZlibHandle("inflate", { windowBits: 15 })
 * const run = new InflateRun([payload], 1 << 20, undefined, new Uint8Array(64 * 1024))
 * const r = run.step(handle, { input: 1 << 16, output: 1 << 18 }) // true | false | InflateError
 * if (r === true) run.result()
 * ```
 */
export class InflateRun {
  /** Output so far (copies of the scratch buffer, one per step or per full scratch). */
  private readonly chunks: Array<Uint8Array> = []
  /** Bytes produced so far. */
  total = 0
  /** Index of the input piece being fed: `parts.length` is the trailer. */
  private part = 0
  private offset = 0
  /** The last write left output space: zlib has nothing more to give for the input so far. */
  private drained = false
  /** A DEFLATE block with BFINAL = 1 ended the stream (RFC 7692 §7.2.3.4); the rest is ignored. */
  ended = false
  /** Compressed bytes consumed and bytes produced by the last step (slice sizes, for tests). */
  lastInput = 0
  lastOutput = 0

  constructor(
    private readonly parts: ReadonlyArray<Uint8Array>,
    private readonly limit: number,
    private readonly validator: Utf8.Validator | undefined,
    private readonly scratch: Uint8Array,
    /** Where a big message's output goes instead of the scratch (nothing copied, nothing joined). */
    private readonly direct?: GrowingOutput | undefined
  ) {
    validator?.reset()
  }

  /** Compressed bytes of the message (without the trailer). */
  get inputBytes(): number {
    let n = 0
    for (const p of this.parts) n += p.length
    return n
  }

  /**
   * Inflates until the message is done (true), the budget is used (false: call again, with the
   * same context), or it fails. Consumes at most `budget.input` compressed bytes and produces at
   * most `budget.output` (+ one scratch write) bytes.
   */
  step(handle: ZlibHandle, budget: SliceBudget): boolean | InflateError {
    this.lastInput = 0
    this.lastOutput = 0
    const direct = this.direct
    // Through the scratch, `fill` counts from its start; straight into `direct`, from the message's.
    let out = direct === undefined ? this.scratch : direct.bytes
    let fill = direct === undefined ? 0 : this.total
    let inUsed = 0
    let outUsed = 0
    while (true) {
      const parts = this.parts
      const trailer = this.part === parts.length
      const all = this.part > parts.length
      if (all && this.drained) break
      const input = all ? EMPTY : trailer ? TRAILER : parts[this.part]!
      const left = input.length - this.offset
      if (!all && left === 0) {
        this.part++
        this.offset = 0
        continue
      }
      // Input per write is capped by what is left of the budget; the trailer is always fed whole.
      const len = all ? 0 : trailer ? left : Math.min(left, budget.input - inUsed)
      if (!all && len === 0) return this.keep(fill)
      if (fill === out.length) {
        if (direct !== undefined) out = direct.grow()
        else {
          this.keep(fill)
          fill = 0
        }
      }
      // One byte more than the limit allows is room enough to see that it is exceeded. No write
      // produces more than a scratch's worth, so a slice stays within its budget either way.
      const room = Math.min(out.length - fill, this.limit + 1 - this.total, this.scratch.length)
      const n = handle.write(input, this.offset, len, out, fill, room)
      if (n < 0) return new InflateError("corrupt", this.total, handle.error)
      if (n > 0 && this.validator !== undefined && !this.validator.push(out, fill, fill + n)) {
        return new InflateError("utf8", this.total + n)
      }
      fill += n
      this.total += n
      outUsed += n
      this.lastOutput = outUsed
      if (this.total > this.limit) return new InflateError("too-big", this.total)
      const consumed = len - handle.inLeft
      this.offset += consumed
      inUsed += consumed
      this.lastInput = inUsed
      this.drained = handle.outLeft > 0
      if (this.drained && handle.inLeft > 0) {
        // zlib stopped with input left and output space free: the stream ended (BFINAL). What
        // follows (RFC 7692 §7.2.3.4: an empty block's header, then our trailer) is ignored.
        this.ended = true
        this.part = parts.length + 1
        this.offset = 0
        continue
      }
      if (!all && this.offset === input.length) {
        this.part++
        this.offset = 0
      }
      if (outUsed >= budget.output && !(this.part > parts.length && this.drained)) return this.keep(fill)
    }
    this.keep(fill)
    if (this.validator !== undefined && !this.validator.finish()) return new InflateError("utf8", this.total)
    return true
  }

  /** Copies the scratch bytes of this step out (the scratch is shared by all runs; see copy-out.ts). */
  private keep(fill: number): false {
    if (fill > 0 && this.direct === undefined) this.chunks.push(copyOut(this.scratch, fill))
    return false
  }

  /** The inflated message (one buffer; owned by the caller). */
  result(): Uint8Array {
    if (this.direct !== undefined) return this.direct.result(this.total)
    const chunks = this.chunks
    if (chunks.length === 0) return EMPTY
    if (chunks.length === 1) return chunks[0]!
    const out = new Uint8Array(this.total)
    let o = 0
    for (const c of chunks) {
      out.set(c, o)
      o += c.length
    }
    chunks.length = 0
    return out
  }

  /** The output chunks, for callers that keep a window (takeover) before taking the result. */
  get output(): ReadonlyArray<Uint8Array> {
    return this.direct === undefined ? this.chunks : [this.direct.result(this.total)]
  }
}
