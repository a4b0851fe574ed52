/**
 * The LZ77 sliding window of a context-takeover inflater (RFC 7692 §7.2.2: "the endpoint MUST use
 * the same LZ77 sliding window ... across messages"), kept in JS: the last `2^windowBits` bytes
 * of everything this connection's client sent compressed.
 *
 * Why not keep the zlib context instead: a message may end with a DEFLATE block with BFINAL set
 * (RFC 7692 §7.2.3.4); zlib then ends the stream, and Node offers no way to continue it with the
 * same window (no `inflateResetKeep`, no `inflateGetDictionary`). With the window here, each
 * message is inflated by a fresh context primed with it as a preset dictionary, so BFINAL needs
 * nothing special, and an idle takeover connection holds exactly its window and no zlib state.
 *
 * @module
 */

/**
 * A byte window of fixed capacity, allocated on first use.
 *
 * @example
 * ```ts
 * const w = new Window(10)      // 1 KiB
 * w.append([Uint8Array.of(1, 2, 3)])
 * w.view()                      // Uint8Array [1, 2, 3]
 * ```
 */
export class Window {
  private bytes: Uint8Array | undefined = undefined
  private length = 0

  constructor(readonly windowBits: number) {}

  /** Capacity in bytes. */
  get capacity(): number {
    return 1 << this.windowBits
  }

  /** Bytes held now (0 until the first message; never more than the capacity). */
  get size(): number {
    return this.length
  }

  /** The window's content, oldest first (a view: valid until the next `append`). */
  view(): Uint8Array | undefined {
    return this.bytes === undefined || this.length === 0 ? undefined : this.bytes.subarray(0, this.length)
  }

  /** Slides the window over a message's output (given as its chunks, in order). */
  append(chunks: ReadonlyArray<Uint8Array>): void {
    const cap = this.capacity
    let total = 0
    for (const c of chunks) total += c.length
    if (total === 0) return
    this.bytes ??= new Uint8Array(cap)
    const bytes = this.bytes
    if (total >= cap) {
      // The message alone fills the window: copy its last `cap` bytes.
      let skip = total - cap
      let o = 0
      for (const c of chunks) {
        if (skip >= c.length) {
          skip -= c.length
          continue
        }
        bytes.set(skip === 0 ? c : c.subarray(skip), o)
        o += c.length - skip
        skip = 0
      }
      this.length = cap
      return
    }
    const keep = Math.min(this.length, cap - total)
    if (keep < this.length) bytes.copyWithin(0, this.length - keep, this.length)
    let o = keep
    for (const c of chunks) {
      bytes.set(c, o)
      o += c.length
    }
    this.length = o
  }

  /** Forgets the content and frees the buffer. */
  clear(): void {
    this.bytes = undefined
    this.length = 0
  }
}
