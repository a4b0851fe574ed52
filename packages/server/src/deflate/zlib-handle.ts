/**
 * A raw-DEFLATE zlib context driven synchronously and kept across calls.
 *
 * Node 20 has no public synchronous streaming zlib API: `zlib.*Sync` make a fresh context per call
 * (~2× the cost for a 1 KiB message, docs/deflate-engine.md) and streams run on the thread pool
 * (~50–75 µs per message of latency). `zlib.*Sync` themselves work by calling
 * `stream._handle.writeSync(flush, in, inOff, inLen, out, outOff, outLen)` in a loop and reading
 * the result from `stream._writeState` (`[availOutAfter, availInAfter]`); they close the handle
 * afterwards. This module does the same without closing, so one context serves many messages.
 *
 * Fragility: `_handle`, `_writeState`, `writeSync`'s argument order and `onerror` are Node
 * internals (unchanged from Node 10 to 20, but not public API). {@link available} checks them
 * once with a round trip; the engine refuses to start when they are missing. Invalid arguments
 * to the native `init` abort the process (a C++ CHECK), so this module never calls `init`; it only
 * constructs through the public `zlib.DeflateRaw` / `zlib.InflateRaw` constructors, which validate.
 *
 * @module
 */
import * as zlib from "node:zlib"

const Z_SYNC_FLUSH = zlib.constants.Z_SYNC_FLUSH
/** The public streams' own output buffer is unused here: the smallest Node allows. */
const MIN_CHUNK = zlib.constants.Z_MIN_CHUNK

/** The internal surface used (see the module comment). */
interface NativeHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void
  reset(): void
  close(): void
  onerror: (message: string, errno: number, code: string) => void
}
interface InternalStream {
  _handle: NativeHandle | null
  _writeState: Uint32Array
}

/** Options of a {@link ZlibHandle}. `windowBits` is what zlib gets (use `zlibWindowBits` for 8). */
export interface ZlibHandleOptions {
  readonly windowBits: number
  readonly level?: number | undefined
  readonly memLevel?: number | undefined
  /** Preset dictionary: the LZ77 window a takeover inflater starts from (RFC 7692 §7.2.2). */
  readonly dictionary?: Uint8Array | undefined
}

/**
 * One zlib context (raw DEFLATE, no header). Each {@link write} is one `deflate()`/`inflate()`
 * call with `Z_SYNC_FLUSH`; the caller loops while the output space was filled.
 *
 * @example
 * ```ts
 * import { ZlibHandle } from "../src/deflate/index.js" // internal: not exported from the package root
 * const msg = new TextEncoder().encode("hello hello hello")
 * const d = new ZlibHandle("deflate", { windowBits: 15, level: 1 })
 * const out = new Uint8Array(1024)
 * const n = d.write(msg, 0, msg.length, out, 0, out.length) // n bytes, ending 00 00 ff ff
 * d.reset() // forget the window (no context takeover)
 * d.close()
 * ```
 */
export class ZlibHandle {
  private readonly handle: NativeHandle
  private readonly state: Uint32Array
  /** Set by the native side during a write that failed (zlib's message, e.g. "invalid distance"). */
  private failure: string | undefined = undefined
  /** Input bytes the last write did not consume. */
  inLeft = 0
  /** Output space the last write did not fill (0: call again, there may be more). */
  outLeft = 0
  private closed = false

  constructor(
    readonly mode: "deflate" | "inflate",
    options: ZlibHandleOptions
  ) {
    const o: zlib.ZlibOptions = { windowBits: options.windowBits, chunkSize: MIN_CHUNK }
    if (options.level !== undefined) o.level = options.level
    if (options.memLevel !== undefined) o.memLevel = options.memLevel
    if (options.dictionary !== undefined) o.dictionary = options.dictionary
    const stream = (mode === "deflate" ? new zlib.DeflateRaw(o) : new zlib.InflateRaw(o)) as unknown as InternalStream
    const handle = stream._handle
    if (handle === null || typeof handle.writeSync !== "function" || !(stream._writeState instanceof Uint32Array)) {
      throw new Error("wspipe deflate: this Node's zlib internals are not supported (see docs/deflate-engine.md)")
    }
    this.handle = handle
    this.state = stream._writeState
    // Replaces the stream's handler, which would destroy the stream (and close the handle): an
    // error is reported to the caller, and `reset()` makes the context usable again.
    handle.onerror = (message) => {
      this.failure = message
    }
  }

  /**
   * Runs zlib once over `input[inOff, inOff + inLen)` into `out[outOff, outOff + outLen)` with
   * `Z_SYNC_FLUSH`. Returns the bytes produced, or -1 on a zlib error (see {@link error}); sets
   * {@link inLeft} and {@link outLeft}.
   */
  write(input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): number {
    this.failure = undefined
    this.handle.writeSync(Z_SYNC_FLUSH, input, inOff, inLen, out, outOff, outLen)
    if (this.failure !== undefined) return -1
    this.outLeft = this.state[0]!
    this.inLeft = this.state[1]!
    return outLen - this.outLeft
  }

  /** The message of the last failed {@link write}. */
  get error(): string {
    return this.failure ?? "zlib error"
  }

  /** Back to the initial state (window forgotten, or the preset dictionary again); clears errors. */
  reset(): void {
    this.failure = undefined
    this.handle.reset()
  }

  /** Frees the native context. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.handle.close()
  }
}

let checked: boolean | undefined

/**
 * Whether {@link ZlibHandle} works on this Node: a deflate → inflate round trip of two messages on
 * persistent contexts, with a reset. Computed once.
 *
 * @example
 * ```ts
 * if (!available()) throw new Error("permessage-deflate needs Node's zlib handle")
 * ```
 */
export const available = (): boolean => {
  if (checked !== undefined) return checked
  try {
    const d = new ZlibHandle("deflate", { windowBits: 15, level: 1 })
    const i = new ZlibHandle("inflate", { windowBits: 15 })
    const msg = new TextEncoder().encode("wspipe wspipe wspipe permessage-deflate")
    const a = new Uint8Array(256)
    const b = new Uint8Array(256)
    let ok = true
    for (let k = 0; k < 2; k++) {
      const n = d.write(msg, 0, msg.length, a, 0, a.length)
      const m = i.write(a, 0, n, b, 0, b.length)
      ok &&= m === msg.length && Buffer.from(b.subarray(0, m)).equals(msg)
    }
    d.reset()
    d.close()
    i.close()
    checked = ok
  } catch {
    checked = false
  }
  return checked
}
