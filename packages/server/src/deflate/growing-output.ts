/**
 * Where a big (sliced) job's zlib output goes: straight into one resizable `ArrayBuffer` that
 * grows in place, so the finished message is that buffer and nothing is joined afterwards.
 *
 * Why: writing through the shared scratch buffer means copying each slice out and joining the
 * copies at the end: a 16 MiB message touched 32 MiB of fresh memory (two rounds of page faults)
 * and gave V8 a few hundred external buffers to sweep. A resizable buffer reserves its maximum as
 * address space and commits pages only as they are written, so it grows without a copy.
 *
 * @module
 */

/** The first size of a job's output; it doubles from there, up to the job's limit. */
const FIRST_SIZE = 1024 * 1024

/** A resizable `ArrayBuffer` (ES2024; Node ≥ 20 has it, the project's `lib` is ES2022). */
interface ResizableBuffer extends ArrayBuffer {
  readonly maxByteLength: number
  resize(byteLength: number): void
}
const ResizableBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableBuffer

/**
 * @example
 * ```ts
 * import { GrowingOutput } from "../src/deflate/index.js" // internal: not exported from the package root
 * const out = GrowingOutput.make(16 << 20)
 * if (out !== undefined) {
 *   const bytes = out.bytes // zlib writes at any offset below bytes.length
 *   const larger = out.grow() // full: the same memory and more, nothing copied
 *   out.result(5) // the first 5 bytes, as the message
 * }
 * ```
 */
export class GrowingOutput {
  private constructor(private readonly buffer: ResizableBuffer) {
    this.bytes = new Uint8Array(buffer)
  }

  /** All the room there is now (write at any offset below its length). */
  bytes: Uint8Array

  /**
   * An output that may grow to `max` bytes, or undefined when this runtime cannot reserve that
   * much (the caller then copies out through its scratch buffer instead).
   */
  static make(max: number): GrowingOutput | undefined {
    try {
      const buffer = new ResizableBuffer(Math.min(FIRST_SIZE, max), { maxByteLength: max })
      return typeof buffer.resize === "function" ? new GrowingOutput(buffer) : undefined
    } catch {
      return undefined
    }
  }

  /** Whether {@link grow} can give more room. */
  get full(): boolean {
    return this.buffer.byteLength >= this.buffer.maxByteLength
  }

  /** Doubles the room (up to the maximum) in place and returns the new view. */
  grow(): Uint8Array {
    const buffer = this.buffer
    buffer.resize(Math.min(buffer.maxByteLength, buffer.byteLength * 2))
    this.bytes = new Uint8Array(buffer)
    return this.bytes
  }

  /** The first `length` bytes: the job's result, owned by whoever receives it. */
  result(length: number): Uint8Array {
    return new Uint8Array(this.buffer, 0, length)
  }
}
