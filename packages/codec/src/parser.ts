import { join, maskKey, unmaskInto, unmaskSmall } from "./bytes.js"
import { Span } from "./span.js"
import { parsePayload } from "./close.js"
import { ProtocolError, type ProtocolErrorKind } from "./errors.js"
import type { MessageKind } from "./opcode.js"
import { Validator } from "./utf8.js"

/**
 * Parser settings.
 * @example
 * ```ts
 * const options: Parser.Options = { role: "server", maxMessageSize: 1 << 20 }
 * ```
 */
export interface Options {
  /** "server": frames MUST be masked; "client": frames MUST NOT be (§5.1, §5.3). Default "server". */
  readonly role?: "server" | "client"
  /** Max payload bytes of one frame; larger → `"frame-too-big"` (1009). Default 16 MiB. */
  readonly maxFrameSize?: number
  /** Max bytes of one assembled message; larger → `"message-too-big"` (1009). Default 64 MiB. */
  readonly maxMessageSize?: number
  /** RSV bits (0x40 = RSV1) a negotiated extension allows on the FIRST frame of a data message. */
  readonly allowedRsv?: number
}

/**
 * Receives what the parser decodes, synchronously from `push`. Callbacks must not call `push`
 * (no re-entrancy) and should not throw: an exception propagates out of `push` and leaves the
 * parser in an unspecified state.
 * @example
 * ```ts
 * const ignore: Parser.Sink = { onMessage: () => {}, onPing: () => {}, onPong: () => {}, onClose: () => {} }
 * ```
 */
export interface Sink {
  /** A complete data message. `data` may be a subarray of a pushed chunk (zero-copy). */
  onMessage(kind: MessageKind, data: Uint8Array, rsv: number): void
  onPing(data: Uint8Array): void
  onPong(data: Uint8Array): void
  /** A close frame; code 1005 when it had no payload. The parser stops after it. */
  onClose(code: number, reason: string): void
}

/** Below this payload size a plain byte loop beats `unmaskInto` (call + typed-array view). */
const SMALL_UNMASK = 64
const EMPTY = new Uint8Array(0)

/**
 * The incremental frame parser. One per connection.
 *
 * @example
 * ```ts
 * const parser = new Parser.FrameParser({
 *   onMessage: (kind, data) => console.log(kind, new TextDecoder().decode(data)),
 *   onPing: () => {}, onPong: () => {}, onClose: (code) => console.log("close", code)
 * }, { role: "client" })
 * parser.push(Uint8Array.of(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f)) // logs: text Hello
 * parser.push(Uint8Array.of(0x83, 0x00))?.kind // "invalid-opcode": opcode 3 is reserved (1002)
 * ```
 */
export class FrameParser {
  private readonly sink: Sink
  private readonly server: boolean
  private readonly maxFrame: number
  private readonly maxMessage: number
  private readonly allowedRsv: number
  /** Made at the first text frame: a connection that sends only binary never needs one. */
  private utf8Validator: Validator | undefined = undefined
  private error: ProtocolError | undefined = undefined
  private closed = false

  // Header bytes carried over when a header is split across chunks (max 2 + 8 + 4 = 14, §5.2).
  // Made on first use: most connections never see a split header, and idle ones cost less.
  private head: Uint8Array | undefined = undefined
  private headLen = 0

  // The frame whose header has been parsed.
  private fin = false
  private opcode = 0
  private rsv = 0
  private masked = false
  // The masking key as four numbers, not a Uint8Array: a typed array and its buffer would cost
  // ~180 bytes per connection, more than the rest of the parser.
  private m0 = 0
  private m1 = 0
  private m2 = 0
  private m3 = 0
  /** Validate this frame's payload as UTF-8 (text message without a compressing extension). */
  private check = false
  private frameLen = 0
  // A frame whose payload spans chunks: its pieces (text unmasked in place as it lands, other
  // payloads still masked) and their total. Memory follows the bytes received, not the length the
  // header claims, so a peer cannot reserve `maxFrameSize` per connection by sending headers alone.
  /** The payload of the frame in progress, when it spans chunks. */
  private span: Span | undefined = undefined

  // The fragmented message in progress (§5.4): `msgOpcode` 0 when none is open.
  private msgOpcode = 0
  private msgRsv = 0
  private msgCheck = false
  /** Declared payload bytes of the current message so far (from headers, for the 1009 check). */
  private msgSize = 0
  private fragments: Uint8Array[] = []
  private fragmentBytes = 0

  constructor(sink: Sink, options: Options = {}) {
    this.sink = sink
    this.server = (options.role ?? "server") === "server"
    this.maxFrame = options.maxFrameSize ?? 16 * 1024 * 1024
    this.maxMessage = options.maxMessageSize ?? 64 * 1024 * 1024
    this.allowedRsv = options.allowedRsv ?? 0
  }

  /**
   * Feed bytes (the parser takes ownership: it unmasks in place and may hand out subarrays).
   * Returns the first protocol error; after an error or a close frame, later pushes are ignored
   * (they return the same error / undefined).
   */
  push(chunk: Uint8Array): ProtocolError | undefined {
    if (this.error !== undefined) return this.error
    if (this.closed) return undefined
    const end = chunk.length
    let p = 0
    if (this.span !== undefined) {
      p = this.appendPayload(chunk, 0, end)
      if (p < 0) return this.error
    } else if (this.headLen > 0) {
      p = this.finishCarriedHeader(chunk, end)
      if (p < 0) return this.error
      if (this.headLen > 0) return undefined // still incomplete: all of chunk was carried
      p = this.payload(chunk, p, end)
      if (p < 0) return this.error
    }
    while (p < end && !this.closed) {
      const b = this.parseHeader(chunk, p, end)
      if (b === 0) {
        // Header split across chunks: carry the (≤ 13) bytes we have.
        const head = (this.head ??= new Uint8Array(14))
        for (let i = p; i < end; i++) head[this.headLen++] = chunk[i]!
        return undefined
      }
      if (b < 0) return this.error
      p = this.payload(chunk, p + b, end)
      if (p < 0) return this.error
    }
    return undefined
  }

  /**
   * At EOF: true when no frame or message was left half-received. True after a close frame (the
   * stream ended cleanly, §7.1.5); false after a protocol error.
   */
  get idle(): boolean {
    return this.error === undefined && (this.closed || (this.headLen === 0 && this.span === undefined && this.msgOpcode === 0))
  }

  /**
   * Bytes currently held for partial frames/messages (for memory metrics): the carried header,
   * the buffer allocated for a frame spanning chunks, and the fragments of an open message.
   */
  get bufferedBytes(): number {
    return this.headLen + (this.span?.got ?? 0) + this.fragmentBytes
  }

  // ---- header (§5.2) -------------------------------------------------------------------------

  /**
   * Parse and check the header at `src[p..end)`. Returns its length when complete (and commits the
   * frame's fields), 0 when more bytes are needed, -1 on a protocol error. Each rule is checked as
   * soon as the byte it depends on is available; re-checking a carried prefix is harmless.
   */
  private parseHeader(src: Uint8Array, p: number, end: number): number {
    const b0 = src[p]!
    const fin = (b0 & 0x80) !== 0
    const rsv = b0 & 0x70
    const opcode = b0 & 0x0f
    if (opcode >= 0x8) {
      // Control frames (§5.5): opcodes 0xB–0xF are reserved (§5.2); never fragmented; RSV bits
      // belong to extensions that only define them for data frames (RFC 7692 §6).
      if (opcode > 0xa) return this.fail("invalid-opcode", `reserved opcode ${opcode}`)
      if (!fin) return this.fail("fragmented-control-frame", "fragmented control frame")
      if (rsv !== 0) return this.fail("rsv-on-control-frame", "RSV bit on a control frame")
    } else if (opcode === 0) {
      // §5.4: a continuation only continues an open fragmented message; RSV only on its first frame.
      if (this.msgOpcode === 0) return this.fail("unexpected-continuation", "continuation frame without a message")
      if (rsv !== 0) return this.fail("rsv-on-continuation", "RSV bit on a continuation frame")
    } else if (opcode <= 0x2) {
      // §5.4: fragments of one message are not interleaved with another data message.
      if (this.msgOpcode !== 0) return this.fail("expected-continuation", "data frame inside a fragmented message")
      if ((rsv & ~this.allowedRsv) !== 0) return this.fail("rsv-not-negotiated", "RSV bit not negotiated")
    } else return this.fail("invalid-opcode", `reserved opcode ${opcode}`)
    if (end - p < 2) return 0
    const b1 = src[p + 1]!
    const masked = (b1 & 0x80) !== 0
    // §5.1: client-to-server frames are masked, server-to-client frames are not.
    if (masked !== this.server)
      return masked ? this.fail("masked-frame", "masked server frame") : this.fail("unmasked-frame", "unmasked client frame")
    let len = b1 & 0x7f
    let n = 2
    if (len >= 126) {
      if (opcode >= 0x8) return this.fail("control-frame-too-big", "control frame payload over 125 bytes") // §5.5
      if (len === 126) {
        n = 4
        if (end - p < 4) return 0
        len = (src[p + 2]! << 8) | src[p + 3]!
      } else {
        n = 10
        if (end - p < 10) return 0
        const hi = ((src[p + 2]! << 24) | (src[p + 3]! << 16) | (src[p + 4]! << 8) | src[p + 5]!) >>> 0
        // §5.2: "the most significant bit MUST be 0".
        if (hi > 0x7fffffff) return this.fail("invalid-length", "64-bit length with the high bit set")
        const lo = ((src[p + 6]! << 24) | (src[p + 7]! << 16) | (src[p + 8]! << 8) | src[p + 9]!) >>> 0
        len = hi * 4294967296 + lo
      }
    }
    // §10.4: limits are enforced from the declared length, before any payload is buffered.
    if (len > this.maxFrame) return this.fail("frame-too-big", `frame of ${len} bytes exceeds the limit`)
    if (opcode < 0x8 && this.msgSize + len > this.maxMessage) {
      return this.fail("message-too-big", "message exceeds the size limit")
    }
    if (masked) {
      if (end - p < n + 4) return 0
      this.m0 = src[p + n]!
      this.m1 = src[p + n + 1]!
      this.m2 = src[p + n + 2]!
      this.m3 = src[p + n + 3]!
      n += 4
    }
    this.fin = fin
    this.opcode = opcode
    this.rsv = rsv
    this.masked = masked
    this.frameLen = len
    if (opcode === 0x1) this.check = rsv === 0
    else this.check = opcode === 0x0 && this.msgCheck
    if (opcode < 0x8) {
      this.msgSize += len
      if (!fin && opcode !== 0) {
        this.msgOpcode = opcode
        this.msgRsv = rsv
        this.msgCheck = this.check
      }
    }
    return n
  }

  /** Complete a header split across chunks; returns bytes of `chunk` consumed, or -1. */
  private finishCarriedHeader(chunk: Uint8Array, end: number): number {
    const had = this.headLen
    const take = Math.min(14 - had, end)
    const head = this.head!
    for (let i = 0; i < take; i++) head[had + i] = chunk[i]!
    const n = this.parseHeader(head, 0, had + take)
    if (n < 0) return -1
    if (n === 0) {
      this.headLen = had + take // take === end here: a 14-byte prefix always parses
      return end
    }
    this.headLen = 0
    return n - had
  }

  private get utf8(): Validator {
    return (this.utf8Validator ??= new Validator())
  }

  // ---- payload -------------------------------------------------------------------------------

  /** The payload of the frame just parsed starts at `chunk[p]`. Returns the next position or -1. */
  private payload(chunk: Uint8Array, p: number, end: number): number {
    const n = this.frameLen
    if (end - p < n) {
      // Spans chunks: collect the pieces as they come (see `Span`).
      // The span keeps its own copy of the key: `maskKey` is one scratch array shared by every
      // parser, and other connections' frames are parsed before this one completes.
      this.span = new Span(
        n,
        this.masked ? Uint8Array.of(this.m0, this.m1, this.m2, this.m3) : undefined,
        this.check ? this.utf8 : undefined
      )
      return this.appendPayload(chunk, p, end)
    }
    // Zero-copy: the whole payload is in this chunk; unmask in place (§5.3).
    const e = p + n
    // High bits seen while unmasking a small payload: 0 means all ASCII, which is valid UTF-8 at
    // a character boundary, so the validator's second pass can be skipped (the common case).
    let high = 0x80
    if (this.masked && n !== 0) {
      if (n < SMALL_UNMASK) high = unmaskSmall(chunk, p, e, this.m0, this.m1, this.m2, this.m3) & 0x80
      else unmaskInto(chunk, p, chunk, p, n, maskKey(this.m0, this.m1, this.m2, this.m3), 0)
    }
    if (this.check && !(high === 0 && this.utf8.atBoundary) && !this.utf8.push(chunk, p, e)) {
      return this.fail("invalid-utf8", "invalid UTF-8 in text")
    }
    // A plain Uint8Array view: `Buffer#subarray` builds a Buffer subclass object, ~3× the cost.
    return this.deliver(new Uint8Array(chunk.buffer, chunk.byteOffset + p, n)) ? e : -1
  }

  /** Take the next piece of a chunk-spanning payload (see `Span`). */
  private appendPayload(chunk: Uint8Array, p: number, end: number): number {
    const span = this.span!
    const take = Math.min(end - p, span.length - span.got)
    if (take > 0 && !span.add(chunk, p, take)) return this.fail("invalid-utf8", "invalid UTF-8 in text")
    if (!span.complete) return end
    this.span = undefined
    return this.deliver(span.result()) ? p + take : -1
  }

  /** A frame's unmasked (and already UTF-8-checked) payload is complete. False on error. */
  private deliver(data: Uint8Array): boolean {
    const opcode = this.opcode
    if (opcode >= 0x8) {
      if (opcode === 0x9) this.sink.onPing(data)
      else if (opcode === 0xa) this.sink.onPong(data)
      else {
        // §5.5.1: the close frame ends the stream; bytes after it are not frames of this session.
        const close = parsePayload(data)
        if (close instanceof ProtocolError) {
          this.fail(close.kind, close.reason)
          return false
        }
        this.closed = true
        this.frameLen = 0
        this.msgOpcode = 0
        this.fragments = []
        this.fragmentBytes = 0
        this.sink.onClose(close.code, close.reason)
      }
      return true
    }
    // §8.1: a sequence left incomplete at the end of a text message is invalid.
    if (this.fin && this.check && !this.utf8.finish()) {
      this.fail("invalid-utf8", "truncated UTF-8 sequence at the end of a text message")
      return false
    }
    if (!this.fin) {
      if (data.length !== 0) {
        this.fragments.push(data)
        this.fragmentBytes += data.length
      }
      return true
    }
    this.msgSize = 0
    if (opcode !== 0) {
      this.sink.onMessage(opcode === 0x1 ? "text" : "binary", data, this.rsv)
      return true
    }
    // Last fragment (§5.4): concatenate once.
    const kind: MessageKind = this.msgOpcode === 0x1 ? "text" : "binary"
    const rsv = this.msgRsv
    const parts = this.fragments
    let total = this.fragmentBytes
    if (data.length !== 0) {
      parts.push(data)
      total += data.length
    }
    this.msgOpcode = 0
    this.fragments = []
    this.fragmentBytes = 0
    this.sink.onMessage(kind, parts.length === 0 ? EMPTY : join(parts, total), rsv)
    return true
  }

  /** Record the first error (the parser is dead afterwards) and free buffers. Returns -1. */
  private fail(kind: ProtocolErrorKind, reason: string): -1 {
    this.error = new ProtocolError(kind, reason)
    this.span = undefined
    this.fragments = []
    this.fragmentBytes = 0
    this.headLen = 0
    return -1
  }
}
