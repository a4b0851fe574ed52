/**
 * A minimal, independent WebSocket client wire layer for the socket fuzzer and the soak: the
 * opening handshake, masked client frames (any length form, RSV bits, opcodes, even invalid ones),
 * and a parser for the server's unmasked frames. Written from RFC 6455 directly, not with the
 * codec under test, so the codec and server are checked against a second implementation.
 */
import { createHash, randomBytes } from "node:crypto"

/** A random Sec-WebSocket-Key (base64 of 16 bytes, §4.1). */
export const newKey = (): string => randomBytes(16).toString("base64")

/** The Sec-WebSocket-Accept the server must answer for `key` (§4.2.2). */
export const expectedAccept = (key: string): string =>
  createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64")

/** The client's upgrade request bytes. */
export const upgradeRequest = (host: string, port: number, path: string, key: string): Buffer =>
  Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    "latin1"
  )

export interface EncodeOptions {
  readonly fin?: boolean
  /** RSV bits already shifted (0x40 = RSV1). */
  readonly rsv?: number
  /** Masking key; `null` sends the frame unmasked (a protocol error from a client). */
  readonly mask?: Uint8Array | null
  /** Force a length form (7 only when the length fits); default minimal. */
  readonly lengthForm?: 7 | 16 | 64 | undefined
  /** Override the declared payload length (a lie: header claims, payload bytes sent differ). */
  readonly declaredLength?: number
}

const ZERO_MASK = new Uint8Array(4)

/** One client frame: header + (masked copy of) payload, in one Buffer. */
export const encodeClientFrame = (opcode: number, payload: Uint8Array, options: EncodeOptions = {}): Buffer => {
  const fin = options.fin ?? true
  const rsv = options.rsv ?? 0
  const mask = options.mask === undefined ? randomMask() : options.mask
  const len = options.declaredLength ?? payload.length
  let form = options.lengthForm ?? (len < 126 ? 7 : len < 65536 ? 16 : 64)
  if (form === 7 && len >= 126) form = len < 65536 ? 16 : 64
  if (form === 16 && len >= 65536) form = 64
  const headLen = 2 + (form === 16 ? 2 : form === 64 ? 8 : 0) + (mask === null ? 0 : 4)
  const out = Buffer.allocUnsafe(headLen + payload.length)
  out[0] = (fin ? 0x80 : 0) | (rsv & 0x70) | (opcode & 0x0f)
  const maskBit = mask === null ? 0 : 0x80
  let p = 2
  if (form === 7) out[1] = maskBit | len
  else if (form === 16) {
    out[1] = maskBit | 126
    out.writeUInt16BE(len, 2)
    p = 4
  } else {
    out[1] = maskBit | 127
    out.writeUInt32BE(Math.floor(len / 0x100000000) >>> 0, 2)
    out.writeUInt32BE(len >>> 0, 6)
    p = 10
  }
  const m = mask ?? ZERO_MASK
  if (mask !== null) {
    out[p] = m[0]!
    out[p + 1] = m[1]!
    out[p + 2] = m[2]!
    out[p + 3] = m[3]!
    p += 4
  }
  for (let i = 0; i < payload.length; i++) out[p + i] = payload[i]! ^ m[i & 3]!
  return out
}

let maskPool = randomBytes(4096)
let maskAt = 0
/** A fresh 4-byte masking key (from a refilled random pool, §5.3). */
export const randomMask = (): Uint8Array => {
  if (maskAt + 4 > maskPool.length) {
    maskPool = randomBytes(4096)
    maskAt = 0
  }
  const m = maskPool.subarray(maskAt, maskAt + 4)
  maskAt += 4
  return m
}

/** A close frame payload: 2-byte code + UTF-8 reason. */
export const closePayload = (code: number, reason = ""): Buffer => {
  const r = Buffer.from(reason, "utf8")
  const out = Buffer.allocUnsafe(2 + r.length)
  out.writeUInt16BE(code, 0)
  r.copy(out, 2)
  return out
}

/** What the server sent us. */
export type Incoming =
  | { readonly type: "message"; readonly kind: "text" | "binary"; readonly data: Buffer }
  | { readonly type: "ping" | "pong"; readonly data: Buffer }
  | { readonly type: "close"; readonly code: number; readonly reason: string; readonly raw: Buffer }
  | { readonly type: "violation"; readonly reason: string }

/**
 * Parses the server's frames (§5.2): must be unmasked, no RSV (no extension negotiated), control
 * frames ≤ 125 bytes and not fragmented. A violation is reported once and parsing stops.
 */
export class ServerFrameReader {
  private pending: Buffer | undefined = undefined
  private fragments: Buffer[] = []
  private fragmentKind: "text" | "binary" | undefined = undefined
  private dead = false

  push(chunk: Buffer, out: Incoming[]): void {
    if (this.dead) return
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk])
    this.pending = undefined
    let p = 0
    const end = buf.length
    while (end - p >= 2) {
      const b0 = buf[p]!
      const b1 = buf[p + 1]!
      let len = b1 & 0x7f
      let h = 2
      if (len === 126) {
        if (end - p < 4) break
        len = buf.readUInt16BE(p + 2)
        h = 4
      } else if (len === 127) {
        if (end - p < 10) break
        len = buf.readUInt32BE(p + 2) * 0x100000000 + buf.readUInt32BE(p + 6)
        h = 10
      }
      if ((b1 & 0x80) !== 0) {
        this.violation(out, "masked server frame")
        return
      }
      if ((b0 & 0x70) !== 0) {
        this.violation(out, "RSV bits set by the server")
        return
      }
      if (end - p < h + len) break
      const data = buf.subarray(p + h, p + h + len)
      p += h + len
      if (!this.frame((b0 & 0x80) !== 0, b0 & 0x0f, data, out)) return
    }
    if (p < end) this.pending = Buffer.from(buf.subarray(p))
    buf = Buffer.alloc(0)
  }

  private frame(fin: boolean, opcode: number, data: Buffer, out: Incoming[]): boolean {
    if (opcode >= 8) {
      if (!fin || data.length > 125) return this.violation(out, "bad control frame from the server")
      if (opcode === 8) {
        if (data.length === 1) return this.violation(out, "1-byte close payload from the server")
        const code = data.length >= 2 ? data.readUInt16BE(0) : 1005
        out.push({ type: "close", code, reason: data.subarray(2).toString("utf8"), raw: Buffer.from(data) })
        this.dead = true
        return false
      }
      if (opcode === 9 || opcode === 10) {
        out.push({ type: opcode === 9 ? "ping" : "pong", data: Buffer.from(data) })
        return true
      }
      return this.violation(out, `reserved opcode ${opcode} from the server`)
    }
    if (opcode === 0) {
      if (this.fragmentKind === undefined) return this.violation(out, "continuation without a message")
      this.fragments.push(Buffer.from(data))
      if (fin) {
        out.push({ type: "message", kind: this.fragmentKind, data: Buffer.concat(this.fragments) })
        this.fragments = []
        this.fragmentKind = undefined
      }
      return true
    }
    if (opcode > 2) return this.violation(out, `reserved opcode ${opcode} from the server`)
    if (this.fragmentKind !== undefined) return this.violation(out, "interleaved data frame from the server")
    const kind = opcode === 1 ? "text" : "binary"
    if (fin) out.push({ type: "message", kind, data: Buffer.from(data) })
    else {
      this.fragmentKind = kind
      this.fragments = [Buffer.from(data)]
    }
    return true
  }

  private violation(out: Incoming[], reason: string): false {
    this.dead = true
    out.push({ type: "violation", reason })
    return false
  }
}

/** Accumulates the HTTP response head; `done` once CRLFCRLF arrived. */
export class ResponseHeadReader {
  private buf: Buffer = Buffer.alloc(0)

  /** undefined while incomplete; else the status, lowercase headers and the bytes after the head. */
  push(chunk: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const end = this.buf.indexOf("\r\n\r\n")
    if (end < 0) {
      if (this.buf.length > 64 * 1024) return { status: -1, headers: {}, rest: Buffer.alloc(0) }
      return undefined
    }
    const lines = this.buf.toString("latin1", 0, end).split("\r\n")
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "")?.[1] ?? -1)
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const c = line.indexOf(":")
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim()
    }
    return { status, headers, rest: this.buf.subarray(end + 4) }
  }
}

/** 32-bit FNV-1a of bytes[start..end). */
export const fnv1a = (bytes: Uint8Array, start = 0, end = bytes.length): number => {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) {
    h ^= bytes[i]!
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
