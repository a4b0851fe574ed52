/**
 * Joins a big message's output chunks into one buffer in bounded steps. Copying into fresh memory
 * costs its page faults: 64 MiB took ~200 ms here in one go, so a sliced job also joins in slices.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * import { Joiner } from "../src/deflate/index.js" // internal: not exported from the package root
 * const chunks = [new Uint8Array(3 << 20), new Uint8Array(2 << 20)]
 * const j = new Joiner(chunks, 5 << 20)
 * while (!j.step(1 << 20)) {} // one step per turn in a job
 * j.result
 * ```
 */
export class Joiner {
  /** The joined bytes (complete once {@link step} returned true). */
  readonly result: Uint8Array
  private chunk = 0
  private offset = 0
  private at = 0

  /** Joins the first `size` bytes of `chunks` (the whole by default). */
  constructor(
    private readonly chunks: ReadonlyArray<Uint8Array>,
    readonly size: number
  ) {
    this.result = new Uint8Array(size)
  }

  /** Copies at most `budget` bytes; true when the result is complete. */
  step(budget: number): boolean {
    const { chunks, result, size } = this
    let left = budget
    while (this.at < size && left > 0) {
      const c = chunks[this.chunk]!
      const n = Math.min(c.length - this.offset, left, size - this.at)
      result.set(c.subarray(this.offset, this.offset + n), this.at)
      this.at += n
      this.offset += n
      left -= n
      if (this.offset === c.length) {
        this.chunk++
        this.offset = 0
      }
    }
    return this.at === size
  }
}
