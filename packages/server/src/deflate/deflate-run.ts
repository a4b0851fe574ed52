/**
 * Compressing one message (RFC 7692 §7.2.1): DEFLATE with a sync flush, so the output ends with an
 * empty stored block `00 00 ff ff`, which is then removed. Big inputs are fed in bounded steps;
 * each step ends with a sync flush too (an extra empty stored block every step: several blocks
 * per message are allowed, RFC 7692 §7.2.3.5).
 *
 * @module
 */
import { copyOut } from "./copy-out.js"
import type { GrowingOutput } from "./growing-output.js"
import type { ZlibHandle } from "./zlib-handle.js"

/**
 * One message being compressed; {@link step} can be called across turns with the same context.
 *
 * @example
 * ```ts
 * import { DeflateRun, ZlibHandle } from "../src/deflate/index.js" // internal: not exported from the package root
 * const handle = new ZlibHandle("deflate", { windowBits: 15, level: 1 })
 * const run = new DeflateRun(new TextEncoder().encode("hello hello hello"), new Uint8Array(64 * 1024))
 * while (!run.step(handle, 65536)) {}
 * run.result() // the payload to send with RSV1 set
 * ```
 */
export class DeflateRun {
  private readonly chunks: Array<Uint8Array> = []
  private total = 0
  private offset = 0
  private drained = false
  /** zlib failed (it cannot on valid arguments; kept so a defect is not silent). */
  failure: string | undefined = undefined

  constructor(
    readonly input: Uint8Array,
    private readonly scratch: Uint8Array,
    /** Where a big message's output goes instead of the scratch (nothing copied, nothing joined). */
    private readonly direct?: GrowingOutput | undefined
  ) {}

  /** Feeds at most `budget` input bytes; true when the message is fully compressed. */
  step(handle: ZlibHandle, budget: number): boolean {
    const { input, direct } = this
    // Through the scratch, `fill` counts from its start; straight into `direct`, from the message's.
    let out = direct === undefined ? this.scratch : direct.bytes
    let fill = direct === undefined ? 0 : this.total
    let used = 0
    while (!(this.offset === input.length && this.drained)) {
      if (fill === out.length) {
        if (direct !== undefined && !direct.full) out = direct.grow()
        else if (direct !== undefined) {
          this.failure = "compressed output above its bound"
          return true
        } else {
          this.keep(fill)
          fill = 0
        }
      }
      const len = Math.min(input.length - this.offset, budget - used)
      if (len === 0 && this.offset < input.length) {
        this.keep(fill)
        return false
      }
      // No write produces more than a scratch's worth, as through the scratch itself.
      const n = handle.write(input, this.offset, len, out, fill, Math.min(out.length - fill, this.scratch.length))
      if (n < 0) {
        this.failure = handle.error
        return true
      }
      fill += n
      this.offset += len - handle.inLeft
      used += len - handle.inLeft
      this.drained = handle.outLeft > 0
    }
    this.keep(fill)
    return true
  }

  private keep(fill: number): void {
    if (this.direct !== undefined) {
      this.total = fill
      return
    }
    if (fill === 0) return
    this.chunks.push(copyOut(this.scratch, fill))
    this.total += fill
  }

  /** The output so far, in chunks (the last 4 bytes of the last ones are the flush's trailer). */
  get output(): ReadonlyArray<Uint8Array> {
    return this.direct === undefined ? this.chunks : [this.direct.result(this.total)]
  }

  /** Bytes of the payload: all output but the final `00 00 ff ff`. */
  get payloadSize(): number {
    return this.total - 4
  }

  /** The payload: the compressed bytes without the final `00 00 ff ff` (RFC 7692 §7.2.1 step 3). */
  result(): Uint8Array {
    const size = this.payloadSize
    if (this.direct !== undefined) return this.direct.result(size)
    const chunks = this.chunks
    if (chunks.length === 1) return chunks[0]!.subarray(0, size)
    const out = new Uint8Array(size)
    let o = 0
    for (const c of chunks) {
      if (o >= size) break
      const n = Math.min(c.length, size - o)
      out.set(n === c.length ? c : c.subarray(0, n), o)
      o += n
    }
    return out
  }
}
