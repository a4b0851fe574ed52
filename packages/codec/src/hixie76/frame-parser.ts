/**
 * Incremental draft-76 frame parser (draft-hixie-thewebsocketprotocol-76 §5.3, the server's side
 * of "Data framing"; §4.2 is the same grammar seen by a client). Bytes arrive in chunks of any
 * size, down to one byte; messages are handed to a {@link FrameSink} synchronously.
 *
 * The draft has two frame shapes, told apart by the high bit of the first ("frame type") byte:
 * - high bit clear: a sentinel-delimited frame, the type byte, data, then 0xFF. Type 0x00 is a
 *   text message (UTF-8); 0x01–0x7F are undefined (§4.2 has a client discard them and flag an
 *   error; we fail the connection with 1002, as no conforming client sends one).
 * - high bit set: a length-prefixed frame, the length in 7-bit groups, most significant first,
 *   high bit = "more groups follow", then that many bytes, which §5.3 has the server discard. The
 *   one exception is type 0xFF with length 0: the closing handshake (§1.4, §5.3, §6).
 *
 * Errors: the draft defines no close codes (its close frame is just 0xFF 0x00), so failures are
 * `ProtocolError`s carrying the RFC 6455 code the server reports to the handler — 1002 protocol
 * error, 1007 invalid UTF-8, 1009 message too big — the same vocabulary as on RFC 6455
 * connections. On the wire the server then just closes (draft §6: no reason can be sent).
 *
 * Decisions (the draft leaves them to the server):
 * - invalid UTF-8 (§5.4 leaves a server free in how it treats it): fail with 1007 at the first
 *   byte that cannot be valid, without waiting for the 0xFF (fail fast, as in the RFC 6455 parser).
 * - `maxMessageSize`: a text frame whose 0xFF has not arrived within that many data bytes fails
 *   with 1009, as soon as the first byte past the limit arrives (§4.2 has a client fail the
 *   connection on content too large to handle; the server does the same). A length-prefixed frame is skipped whatever its length: it is
 *   counted down, never buffered, so it costs no memory. Its length field is capped at 2^53 − 1
 *   (bytes we can count exactly); a longer one fails with 1009.
 * - 0xFF with a non-zero length is an ordinary length-prefixed frame (skipped), per §5.3; only a
 *   length of 0 closes, however many zero groups encode it (the draft speaks of the value).
 *
 * Speed: a text frame inside one chunk is delivered as a view of it (zero-copy); one spanning
 * chunks keeps its pieces by reference and joins them once, at its 0xFF. The 0xFF is found with
 * the native `indexOf`, and the payload goes to the UTF-8 validator in one range per chunk.
 *
 * @module
 */
import { ProtocolError, type ProtocolErrorKind } from "../errors.js"
import { join } from "../bytes.js"
import { Validator } from "../utf8.js"

/**
 * Parser settings.
 *
 * @example
 * ```ts
 * const options: Hixie76.FrameParserOptions = { maxMessageSize: 1024 * 1024 }
 * ```
 */
export interface FrameParserOptions {
  /** Max data bytes of one text frame; more before its 0xFF → 1009. Default 64 MiB (also for NaN/negative). */
  readonly maxMessageSize?: number
}

/**
 * Receives what the parser decodes, synchronously from `push`. Callbacks must not call `push`
 * and should not throw (an exception leaves the parser in an unspecified state).
 *
 * @example
 * ```ts
 * const sink: Hixie76.FrameSink = {
 *   onMessage: (_kind, data) => console.log(new TextDecoder().decode(data)),
 *   onClose: () => console.log("closing handshake")
 * }
 * ```
 */
export interface FrameSink {
  /** A text frame's payload, valid UTF-8; may be a subarray of a pushed chunk (zero-copy). */
  onMessage(kind: "text", data: Uint8Array): void
  /** The closing handshake 0xFF 0x00 (§5.3). The parser stops after it. */
  onClose(): void
}

/**
 * Default `maxMessageSize`, 64 MiB (the RFC 6455 parser's default message limit).
 *
 * @example
 * ```ts
 * new Hixie76.FrameParser(hixieSink, { maxMessageSize: Hixie76.DEFAULT_MAX_MESSAGE_SIZE / 64 })
 * ```
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024

/** Parser states: between frames, in a text frame, in a length field, skipping a payload. */
const TYPE = 0
const TEXT = 1
const LENGTH = 2
const SKIP = 3

const EMPTY = new Uint8Array(0)

/**
 * The incremental draft-76 frame parser. One per connection.
 *
 * @example
 * ```ts
 * const parser = new Hixie76.FrameParser({
 *   onMessage: (_kind, data) => console.log(new TextDecoder().decode(data)),
 *   onClose: () => console.log("close")
 * })
 * parser.push(Uint8Array.of(0x00, 0x48, 0x69, 0xff)) // logs: Hi
 * parser.push(Uint8Array.of(0xff, 0x00))             // logs: close
 * ```
 */
export class FrameParser {
  private readonly sink: FrameSink
  private readonly maxMessage: number
  private state = TYPE
  /** Type byte of the length-prefixed frame being read. */
  private type = 0
  /** LENGTH: the value so far; SKIP: bytes still to skip. */
  private length = 0
  /** Pieces of a text frame that spans chunks (undefined while it lies in one chunk). */
  private parts: Uint8Array[] | undefined = undefined
  /** Data bytes of the current text frame received in earlier chunks. */
  private got = 0
  /** Made at the first text frame. */
  private utf8Validator: Validator | undefined = undefined
  private error: ProtocolError | undefined = undefined
  private closed = false

  constructor(sink: FrameSink, options: FrameParserOptions = {}) {
    this.sink = sink
    // NaN or a negative limit would never find the 0xFF: fall back to the default (Infinity is
    // allowed and means no limit).
    const max = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.maxMessage = max >= 0 ? max : DEFAULT_MAX_MESSAGE_SIZE
  }

  /**
   * Feed bytes. Chunks holding part of a text frame are kept by reference until its 0xFF (do not
   * reuse them meanwhile). Returns the first protocol error; after an error or the closing
   * handshake, later pushes are ignored (they return the same error / undefined).
   *
   * @example
   * ```ts
   * const err = parser.push(Uint8Array.of(0x00, 0xc0, 0xaf)) // overlong "/", no 0xFF needed
   * err?.code // 1007
   * ```
   */
  push(chunk: Uint8Array): ProtocolError | undefined {
    if (this.error !== undefined) return this.error
    if (this.closed) return undefined
    const end = chunk.length
    let p = 0
    while (p < end) {
      const state = this.state
      if (state === TEXT) {
        p = this.text(chunk, p, end)
        if (p < 0) return this.error
      } else if (state === TYPE) {
        const b = chunk[p++]!
        if (b === 0x00) {
          this.state = TEXT
          p = this.text(chunk, p, end)
          if (p < 0) return this.error
        } else if ((b & 0x80) !== 0) {
          this.type = b
          this.length = 0
          this.state = LENGTH
        } else {
          this.fail("invalid-frame-type", `undefined frame type 0x${b.toString(16).padStart(2, "0")}`)
          return this.error
        }
      } else if (state === LENGTH) {
        const b = chunk[p++]!
        const length = this.length * 128 + (b & 0x7f)
        if (length > Number.MAX_SAFE_INTEGER) {
          this.fail("frame-too-big", "frame length field too large")
          return this.error
        }
        this.length = length
        if ((b & 0x80) !== 0) continue // more 7-bit groups follow
        if (this.type === 0xff && length === 0) {
          // §5.3: the client starts (or answers) the closing handshake; the bytes after it are not
          // frames of this connection.
          this.closed = true
          this.state = TYPE
          this.sink.onClose()
          return undefined
        }
        this.state = length === 0 ? TYPE : SKIP
      } else {
        // SKIP: §5.3 "discard the read bytes", counted down without keeping them.
        const take = Math.min(this.length, end - p)
        this.length -= take
        p += take
        if (this.length === 0) this.state = TYPE
      }
    }
    return undefined
  }

  /**
   * At EOF: true when no frame was left half-received. True after the closing handshake, false
   * after a protocol error.
   *
   * @example
   * ```ts
   * socket.on("end", () => { if (!parser.idle) console.log("truncated frame") })
   * ```
   */
  get idle(): boolean {
    return this.error === undefined && (this.closed || this.state === TYPE)
  }

  /**
   * Bytes held for a text frame spanning chunks (for memory metrics).
   *
   * @example
   * ```ts
   * const held = hixieParser.bufferedBytes // bytes of a text frame spanning chunks, kept until its 0xFF
   * ```
   */
  get bufferedBytes(): number {
    return this.parts === undefined ? 0 : this.got
  }

  private get utf8(): Validator {
    return (this.utf8Validator ??= new Validator())
  }

  /**
   * Text-frame data starts (or continues) at `chunk[p]`. Returns the position after the frame's
   * 0xFF, `end` when the frame goes on in a later chunk, or -1 on error.
   */
  private text(chunk: Uint8Array, p: number, end: number): number {
    const room = this.maxMessage - this.got // data bytes this frame may still have
    const q = chunk.indexOf(0xff, p)
    // The 0xFF counts only where the frame is still within the limit (at most `room` data bytes).
    const found = q !== -1 && q - p <= room
    const stop = found ? q : Math.min(end, p + room)
    // §5.4 / fail fast: validate what arrived (0xFF itself is never valid UTF-8, so the terminator
    // cannot hide inside a sequence).
    if (stop > p && !this.utf8.push(chunk, p, stop)) return this.fail("invalid-utf8", "invalid UTF-8 in text")
    if (!found) {
      if (end - p > room) return this.fail("message-too-big", "message too big")
      if (end > p) (this.parts ??= []).push(p === 0 && end === chunk.length ? chunk : chunk.subarray(p, end))
      else this.parts ??= []
      this.got += end - p
      return end
    }
    if (!this.utf8.finish()) return this.fail("invalid-utf8", "truncated UTF-8 sequence at the end of a text frame")
    const parts = this.parts
    let data: Uint8Array
    if (parts === undefined) {
      // Zero-copy: the whole frame is in this chunk. A plain Uint8Array view (cheaper than
      // Buffer#subarray, which builds a Buffer subclass object).
      data = new Uint8Array(chunk.buffer, chunk.byteOffset + p, q - p)
    } else {
      if (q > p) parts.push(chunk.subarray(p, q))
      const total = this.got + (q - p)
      data = total === 0 ? EMPTY : join(parts, total)
    }
    this.parts = undefined
    this.got = 0
    this.state = TYPE
    this.sink.onMessage("text", data)
    return q + 1
  }

  /** Record the first error (the parser is dead afterwards) and free buffers. Returns -1. */
  private fail(kind: ProtocolErrorKind, reason: string): -1 {
    this.error = new ProtocolError(kind, reason)
    this.parts = undefined
    this.got = 0
    return -1
  }
}
