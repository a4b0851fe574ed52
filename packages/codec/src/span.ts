/**
 * A frame payload that spans chunks (RFC 6455 §5.2): its pieces as they arrive, unmasked (§5.3)
 * and, for text, UTF-8 checked as they land (§8.1 fail fast), then one buffer. Up to
 * `ASSEMBLE_AT` bytes the pieces are kept and joined once at the end (a memory pass fewer than
 * copying each). A bigger payload is assembled in its final buffer as it arrives, once that many
 * bytes of it came: no single push then pays for the whole frame (a 16 MiB join is ~50 ms on these
 * machines, long enough to stall every other connection), and a header alone cannot make the
 * parser allocate a maximal frame.
 *
 * @module
 */
import { join, unmaskInto, unmaskJoin } from "./bytes.js"
import type { Validator } from "./utf8.js"

/** Bytes of a spanning payload after which it is assembled as it arrives. */
export const ASSEMBLE_AT = 1024 * 1024

/**
 * One spanning payload.
 *
 * @example
 * ```ts
 * import { Span } from "../src/span.js" // internal: not exported from the root
 * const span = new Span(4, undefined, undefined)
 * span.add(Uint8Array.of(1, 2), 0, 2)
 * span.add(Uint8Array.of(3, 4), 0, 2)
 * span.complete // true; span.result() is 01 02 03 04
 * ```
 */
export class Span {
  private readonly parts: Array<Uint8Array> = []
  private buffer: Uint8Array | undefined = undefined
  /** Bytes received so far. */
  got = 0

  constructor(
    readonly length: number,
    /** The frame's masking key (client frames, §5.3), or undefined. Kept: not a shared scratch. */
    private readonly mask: Uint8Array | undefined,
    /** Set for text: pieces are validated as they land. */
    private readonly utf8: Validator | undefined
  ) {}

  get complete(): boolean {
    return this.got === this.length
  }

  /** Adds `take` bytes of `chunk` from `p`; false when they make the text invalid UTF-8. */
  add(chunk: Uint8Array, p: number, take: number): boolean {
    const at = this.got
    if (this.buffer === undefined && at + take >= ASSEMBLE_AT && this.length > ASSEMBLE_AT) this.assemble()
    const buffer = this.buffer
    if (buffer !== undefined) {
      if (this.mask !== undefined) unmaskInto(chunk, p, buffer, at, take, this.mask, at & 3)
      else buffer.set(chunk.subarray(p, p + take), at)
      if (this.utf8 !== undefined && !this.utf8.push(buffer, at, at + take)) return false
    } else {
      if (this.utf8 !== undefined) {
        // Text is unmasked as it lands (continuing the mask cycle where the last piece ended).
        if (this.mask !== undefined) unmaskInto(chunk, p, chunk, p, take, this.mask, at & 3)
        if (!this.utf8.push(chunk, p, p + take)) return false
      }
      this.parts.push(p === 0 && take === chunk.length ? chunk : chunk.subarray(p, p + take))
    }
    this.got = at + take
    return true
  }

  /** The whole payload, unmasked (once `complete`). */
  result(): Uint8Array {
    if (this.buffer !== undefined) return this.buffer
    // Non-text pieces are still masked: unmask and join in one pass.
    return this.mask !== undefined && this.utf8 === undefined
      ? unmaskJoin(this.parts, this.length, this.mask)
      : join(this.parts, this.length)
  }

  /** Moves what came so far into the final buffer. */
  private assemble(): void {
    const buffer = Buffer.allocUnsafe(this.length)
    let o = 0
    for (const part of this.parts) {
      // Text pieces were unmasked as they landed; the others are still masked.
      if (this.mask !== undefined && this.utf8 === undefined) unmaskInto(part, 0, buffer, o, part.length, this.mask, o & 3)
      else buffer.set(part, o)
      o += part.length
    }
    this.parts.length = 0
    this.buffer = buffer
  }
}
