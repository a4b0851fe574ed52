/**
 * The raw client's own reader for frames sent BY THE SERVER. It is deliberately independent of
 * `@wspipe/codec`, so that a codec bug cannot hide itself: the server's output is judged by a
 * second, small implementation of RFC 6455 §5.2.
 *
 * Everything the server does wrong on the wire is recorded as a violation (never thrown), so a
 * case can report it as FAILED while still seeing what came afterwards.
 */

export const Op = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa
} as const

export interface Frame {
  readonly fin: boolean
  readonly rsv: number // the three RSV bits as a number 0..7 (RSV1 = 4)
  readonly opcode: number
  readonly masked: boolean
  readonly payload: Buffer // unmasked
}

/** Incremental frame parser: push TCP chunks in any sizes, get whole frames out (§5.2). */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Set when the byte stream can no longer be parsed (e.g. a 64-bit length with the MSB set). */
  fatal: string | undefined
  readonly violations: string[] = []

  constructor(private readonly maxPayload = 2 ** 31) {}

  get pendingBytes(): number {
    return this.buffered
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.fatal !== undefined) return []
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
      this.buffered += chunk.length
    }
    const out: Frame[] = []
    for (;;) {
      const frame = this.next()
      if (frame === undefined) return out
      out.push(frame)
    }
  }

  private next(): Frame | undefined {
    if (this.buffered < 2) return undefined
    const head = this.peek(Math.min(this.buffered, 14))
    const b0 = head[0]!
    const b1 = head[1]!
    const masked = (b1 & 0x80) !== 0
    const len7 = b1 & 0x7f
    const extLen = len7 === 126 ? 2 : len7 === 127 ? 8 : 0
    const headerLength = 2 + extLen + (masked ? 4 : 0)
    if (head.length < headerLength) return undefined
    let length: number
    if (len7 === 126) {
      length = head.readUInt16BE(2)
      if (length < 126) this.violations.push(`non-minimal 16-bit length ${length} (RFC 6455 §5.2)`)
    } else if (len7 === 127) {
      const big = head.readBigUInt64BE(2)
      if (big >> 63n !== 0n) {
        this.fatal = "64-bit payload length with the most significant bit set (RFC 6455 §5.2)"
        this.violations.push(this.fatal)
        return undefined
      }
      if (big > BigInt(this.maxPayload)) {
        this.fatal = `payload length ${big} exceeds the reader's limit ${this.maxPayload}`
        this.violations.push(this.fatal)
        return undefined
      }
      length = Number(big)
      if (length < 65536) this.violations.push(`non-minimal 64-bit length ${length} (RFC 6455 §5.2)`)
    } else {
      length = len7
    }
    if (this.buffered < headerLength + length) return undefined
    const mask = masked ? Buffer.from(head.subarray(2 + extLen, headerLength)) : undefined
    this.consume(headerLength)
    const payload = this.consume(length)
    if (mask !== undefined) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!
    const frame: Frame = { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload }
    this.check(frame)
    return frame
  }

  private check(f: Frame): void {
    // §5.1: "A server MUST NOT mask any frames that it sends to the client."
    if (f.masked) this.violations.push("server sent a masked frame (RFC 6455 §5.1)")
    // §5.2: RSV bits MUST be 0 unless an extension was negotiated (we never negotiate one).
    if (f.rsv !== 0) this.violations.push(`server frame has RSV bits ${f.rsv} set (RFC 6455 §5.2)`)
    if (![0, 1, 2, 8, 9, 10].includes(f.opcode)) this.violations.push(`server used reserved opcode ${f.opcode} (RFC 6455 §5.2)`)
    if (f.opcode >= 8) {
      // §5.5: control frames have payload <= 125 and MUST NOT be fragmented.
      if (f.payload.length > 125) this.violations.push(`server control frame with ${f.payload.length} byte payload (RFC 6455 §5.5)`)
      if (!f.fin) this.violations.push("server sent a fragmented control frame (RFC 6455 §5.5)")
    }
  }

  /** Returns the first n buffered bytes (n <= buffered) without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!
    if (first.length >= n) return first.subarray(0, n)
    const parts: Buffer[] = []
    let got = 0
    for (const c of this.chunks) {
      parts.push(c)
      got += c.length
      if (got >= n) break
    }
    return Buffer.concat(parts, got).subarray(0, n)
  }

  /** Removes and returns the first n bytes as a fresh (writable) buffer. */
  private consume(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    let off = 0
    while (off < n) {
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

export type ServerEvent =
  | { readonly type: "message"; readonly binary: boolean; readonly data: Buffer }
  | { readonly type: "ping"; readonly data: Buffer }
  | { readonly type: "pong"; readonly data: Buffer }
  | { readonly type: "close"; readonly code: number | undefined; readonly reason: Buffer }

const fatalDecoder = new TextDecoder("utf-8", { fatal: true })

export const isValidUtf8 = (b: Uint8Array): boolean => {
  try {
    fatalDecoder.decode(b)
    return true
  } catch {
    return false
  }
}

/**
 * Close codes an endpoint may put on the wire (RFC 6455 §7.4.1, §7.4.2, IANA registry):
 * 1000-1003, 1007-1011 (plus the IANA-registered 1012-1014) and 3000-4999.
 * 1004, 1005, 1006, 1015 and everything below 1000 or from 5000 up MUST NOT be sent.
 */
export const isSendableCloseCode = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)

/** Turns frames into messages and control events, checking the server's side of §5.4 and §5.5.1. */
export class MessageAssembler {
  private fragments: Buffer[] | undefined
  private fragmentedBinary = false
  private closed = false
  readonly violations: string[] = []

  push(f: Frame): ServerEvent | undefined {
    if (this.closed) {
      // §5.5.1: after sending a Close frame, the endpoint MUST NOT send any more data frames.
      this.violations.push(`server sent a frame (opcode ${f.opcode}) after its Close frame (RFC 6455 §5.5.1)`)
      return undefined
    }
    switch (f.opcode) {
      case Op.Continuation: {
        if (this.fragments === undefined) {
          this.violations.push("server sent a continuation frame with no message to continue (RFC 6455 §5.4)")
          return undefined
        }
        this.fragments.push(f.payload)
        return f.fin ? this.finish() : undefined
      }
      case Op.Text:
      case Op.Binary: {
        if (this.fragments !== undefined) {
          this.violations.push("server started a new data message inside a fragmented one (RFC 6455 §5.4)")
        }
        this.fragments = [f.payload]
        this.fragmentedBinary = f.opcode === Op.Binary
        return f.fin ? this.finish() : undefined
      }
      case Op.Ping:
        return { type: "ping", data: f.payload }
      case Op.Pong:
        return { type: "pong", data: f.payload }
      case Op.Close: {
        this.closed = true
        const p = f.payload
        if (p.length === 0) return { type: "close", code: undefined, reason: Buffer.alloc(0) }
        if (p.length === 1) {
          this.violations.push("server sent a Close frame with a 1-byte payload (RFC 6455 §5.5.1)")
          return { type: "close", code: undefined, reason: p }
        }
        const code = p.readUInt16BE(0)
        const reason = p.subarray(2)
        if (!isSendableCloseCode(code)) this.violations.push(`server sent close code ${code}, which MUST NOT be sent (RFC 6455 §7.4)`)
        if (!isValidUtf8(reason)) this.violations.push("server close reason is not valid UTF-8 (RFC 6455 §5.5.1)")
        return { type: "close", code, reason }
      }
      default:
        return undefined
    }
  }

  private finish(): ServerEvent {
    const data = this.fragments!.length === 1 ? this.fragments![0]! : Buffer.concat(this.fragments!)
    const binary = this.fragmentedBinary
    this.fragments = undefined
    // §8.1: text messages MUST contain valid UTF-8; an echo server must never emit anything else.
    if (!binary && !isValidUtf8(data)) this.violations.push("server sent a text message that is not valid UTF-8 (RFC 6455 §8.1)")
    return { type: "message", binary, data }
  }
}
