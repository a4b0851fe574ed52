/**
 * A reader for the frames a SERVER sends, written from RFC 6455 §5.2 alone (not with the codec
 * under test, so a codec bug cannot hide itself): push TCP chunks of any size, get whole frames.
 *
 * Everything the server does wrong at the frame level is recorded in `violations` (never thrown),
 * so a test can fail on it and still see what came afterwards: a masked frame (§5.1), RSV bits no
 * extension was negotiated for (§5.2), a reserved opcode (§5.2), a non-minimal length (§5.2: "the
 * minimal number of bytes MUST be used"), a control frame over 125 bytes or fragmented (§5.5).
 * A stream that can no longer be parsed (a 64-bit length with the most significant bit set, or a
 * payload over `maxPayload`) sets `fatal` and stops the reader.
 *
 * @module
 */

/**
 * A frame as received. `payload` is unmasked (if the server masked it, which is a violation).
 *
 * @example
 * ```ts
 * const f: ReadFrame = { fin: true, rsv: 0, opcode: Op.Text, masked: false, payload: Buffer.from("hi") }
 * ```
 */
export interface ReadFrame {
  readonly fin: boolean
  /** The RSV bits as they sit in byte 0 (`Rsv.Rsv1` = 0x40, …). */
  readonly rsv: number
  readonly opcode: number
  readonly masked: boolean
  readonly payload: Buffer
}

/**
 * Reader settings.
 *
 * @example
 * ```ts
 * new FrameReader({ allowedRsv: Rsv.Rsv1, maxPayload: 1 << 20 })
 * ```
 */
export interface ReaderOptions {
  /** Largest payload the reader accepts before it gives up (`fatal`); default 2^31. */
  readonly maxPayload?: number | undefined
  /** RSV bits a negotiated extension lets the server set (RFC 6455 §5.2); default none. */
  readonly allowedRsv?: number | undefined
}

const DEFINED = new Set([0x0, 0x1, 0x2, 0x8, 0x9, 0xa])

/**
 * Incremental reader of server frames (see the module comment for what it checks).
 *
 * @example
 * ```ts
 * const reader = new FrameReader()
 * socket.on("data", (chunk: Buffer) => {
 *   for (const f of reader.push(chunk)) console.log(f.opcode, f.payload.length)
 *   if (reader.violations.length > 0) throw new Error(reader.violations.join("; "))
 * })
 * ```
 */
export class FrameReader {
  private chunks: Array<Buffer> = []
  private buffered = 0
  private readonly maxPayload: number
  private readonly allowedRsv: number
  /** Why the byte stream can no longer be parsed, once it cannot; later pushes return nothing. */
  fatal: string | undefined = undefined
  /** Every RFC 6455 rule the server broke, in order. */
  readonly violations: Array<string> = []

  constructor(options: ReaderOptions = {}) {
    this.maxPayload = options.maxPayload ?? 2 ** 31
    this.allowedRsv = options.allowedRsv ?? 0
  }

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.buffered
  }

  /** Feed bytes (kept by reference until consumed); returns the frames they completed. */
  push(chunk: Uint8Array): Array<ReadFrame> {
    if (this.fatal !== undefined) return []
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
      this.buffered += chunk.length
    }
    const out: Array<ReadFrame> = []
    for (let f = this.next(); f !== undefined; f = this.next()) out.push(f)
    return out
  }

  private next(): ReadFrame | undefined {
    if (this.buffered < 2) return undefined
    const head = this.peek(Math.min(this.buffered, 14)) // 2 + 8 + 4: the longest header
    const b0 = head[0]!
    const b1 = head[1]!
    const masked = (b1 & 0x80) !== 0
    const len7 = b1 & 0x7f
    const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0
    const headerLength = 2 + extended + (masked ? 4 : 0)
    if (head.length < headerLength) return undefined
    let length = len7
    if (len7 === 126) {
      length = head.readUInt16BE(2)
      if (length < 126) this.violations.push(`non-minimal 16-bit length ${length} (RFC 6455 §5.2)`)
    } else if (len7 === 127) {
      const big = head.readBigUInt64BE(2)
      if (big >> 63n !== 0n) return this.stop("64-bit payload length with the most significant bit set (RFC 6455 §5.2)")
      if (big > BigInt(this.maxPayload)) return this.stop(`payload length ${big} exceeds the reader's limit ${this.maxPayload}`)
      length = Number(big)
      if (length < 65536) this.violations.push(`non-minimal 64-bit length ${length} (RFC 6455 §5.2)`)
    }
    if (this.buffered < headerLength + length) return undefined
    const key = masked ? Buffer.from(head.subarray(2 + extended, headerLength)) : undefined
    this.consume(headerLength)
    const payload = this.consume(length)
    if (key !== undefined) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!
    const frame: ReadFrame = { fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, masked, payload }
    this.check(frame)
    return frame
  }

  private check(f: ReadFrame): void {
    // §5.1: "A server MUST NOT mask any frames that it sends to the client."
    if (f.masked) this.violations.push("server sent a masked frame (RFC 6455 §5.1)")
    // §5.2: RSV bits MUST be 0 unless a negotiated extension defines them.
    if ((f.rsv & ~this.allowedRsv) !== 0) {
      this.violations.push(`server frame has RSV bits 0x${f.rsv.toString(16)} set (RFC 6455 §5.2)`)
    }
    if (!DEFINED.has(f.opcode)) this.violations.push(`server used reserved opcode ${f.opcode} (RFC 6455 §5.2)`)
    if (f.opcode >= 8) {
      // §5.5: control frames carry ≤ 125 bytes and MUST NOT be fragmented.
      if (f.payload.length > 125) this.violations.push(`server control frame with ${f.payload.length} byte payload (RFC 6455 §5.5)`)
      if (!f.fin) this.violations.push("server sent a fragmented control frame (RFC 6455 §5.5)")
    }
  }

  private stop(reason: string): undefined {
    this.fatal = reason
    this.violations.push(reason)
    return undefined
  }

  /** The first `n` buffered bytes (n ≤ buffered), not consumed. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!
    if (first.length >= n) return first.subarray(0, n)
    const parts: Array<Buffer> = []
    let got = 0
    for (const c of this.chunks) {
      parts.push(c)
      got += c.length
      if (got >= n) break
    }
    return Buffer.concat(parts, got).subarray(0, n)
  }

  /** Removes the first `n` bytes and returns them as a fresh (writable) buffer. */
  private consume(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let off = 0; off < n; ) {
      const c = this.chunks[0]!
      const take = Math.min(c.length, n - off)
      c.copy(out, off, 0, take)
      off += take
      if (take === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(take)
    }
    this.buffered -= n
    return out
  }
}

/**
 * Strict one-shot decoding of bytes that must be whole, correct server frames: throws when a frame
 * is cut short or breaks a rule the {@link FrameReader} checks.
 *
 * @example
 * ```ts
 * decodeFrames(Buffer.from([0x81, 0x02, 0x68, 0x69])) // [{ fin: true, rsv: 0, opcode: 1, masked: false, payload: <68 69> }]
 * ```
 */
export const decodeFrames = (bytes: Uint8Array, options?: ReaderOptions): Array<ReadFrame> => {
  const reader = new FrameReader(options)
  const frames = reader.push(bytes)
  if (reader.violations.length > 0) throw new Error(`bad server frames: ${reader.violations.join("; ")}`)
  if (reader.pendingBytes > 0) throw new Error(`truncated frame: ${reader.pendingBytes} bytes left over`)
  return frames
}

/**
 * The status code of the first Close frame among `frames`: `undefined` when there is none, 1005
 * when it carries no code (RFC 6455 §7.1.5: "considered to be 1005").
 *
 * @example
 * ```ts
 * closeCodeOf(decodeFrames(Buffer.from([0x88, 0x02, 0x03, 0xe9]))) // 1001
 * ```
 */
export const closeCodeOf = (frames: ReadonlyArray<ReadFrame>): number | undefined => {
  const close = frames.find((f) => f.opcode === 0x8)
  return close === undefined ? undefined : close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005
}
