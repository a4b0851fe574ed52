/**
 * Byte-level WebSocket peer for misbehaving clients: a raw `net` socket that does the opening
 * handshake by hand, masked client frames, and an independent parser for the server's frames
 * (written here, not taken from @wspipe/codec, so the code under test does not check itself).
 */
import * as Net from "node:net"
import { waitFor } from "./wait.js"

export const Op = { Cont: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const

/** An upgrade request; `extra` lines are added before the blank line. */
export const upgradeRequest = (path = "/", extra: ReadonlyArray<string> = []): string =>
  [`GET ${path} HTTP/1.1`, "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", ...extra, "", ""].join("\r\n")

/**
 * A client frame (masked, RFC 6455 §5.3). With `zeroMask` the key is 0, which makes masking a
 * no-op: valid on the wire, and free for a flooder that reuses one buffer.
 */
export const clientFrame = (opcode: number, payload: Uint8Array, fin = true, zeroMask = false): Buffer => {
  const n = payload.byteLength
  const headerLength = 2 + (n < 126 ? 0 : n < 65536 ? 2 : 8) + 4
  const out = Buffer.allocUnsafe(headerLength + n)
  out[0] = (fin ? 0x80 : 0) | opcode
  let at = 2
  if (n < 126) out[1] = 0x80 | n
  else if (n < 65536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(n, 2)
    at = 4
  } else {
    out[1] = 0x80 | 127
    out.writeBigUInt64BE(BigInt(n), 2)
    at = 10
  }
  const mask = zeroMask ? Buffer.alloc(4) : Buffer.from([0x37, 0xfa, 0x21, 0x3d])
  mask.copy(out, at)
  at += 4
  for (let i = 0; i < n; i++) out[at + i] = payload[i]! ^ mask[i & 3]!
  return out
}

export const closePayload = (code: number, reason = ""): Buffer => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason))
  b.writeUInt16BE(code, 0)
  b.write(reason, 2)
  return b
}

export interface ServerFrame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** Incremental parser for unmasked server frames. */
export class ServerFrames {
  private buffer: Buffer = Buffer.alloc(0)
  readonly frames: Array<ServerFrame> = []
  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    while (this.buffer.length >= 2) {
      const b = this.buffer
      let n = b[1]! & 0x7f
      let at = 2
      if (n === 126) {
        if (b.length < 4) return
        n = b.readUInt16BE(2)
        at = 4
      } else if (n === 127) {
        if (b.length < 10) return
        n = Number(b.readBigUInt64BE(2))
        at = 10
      }
      if (b.length < at + n) return
      this.frames.push({ fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload: Buffer.from(b.subarray(at, at + n)) })
      this.buffer = b.subarray(at + n)
    }
  }
  /** The Close frame's code, if one arrived. */
  closeCode(): number | undefined {
    const close = this.frames.find((f) => f.opcode === Op.Close)
    return close === undefined ? undefined : close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005
  }
}

/** A raw client: the socket, everything received, and promises for the HTTP head and the end. */
export interface Raw {
  readonly socket: Net.Socket
  /** Bytes before the end of the HTTP response head. */
  head: string
  readonly frames: ServerFrames
  /** Resolves when the socket is fully closed (both directions, or destroyed). */
  readonly closed: Promise<void>
  /** Resolves on the first 'end' (FIN from the server). */
  readonly ended: Promise<void>
}

/** Connects and sends `request` (or nothing); collects the response head and frames after it. */
export const rawConnect = (port: number, request?: string): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true })
    let headDone = false
    let pre = Buffer.alloc(0)
    const raw: Raw = {
      socket,
      head: "",
      frames: new ServerFrames(),
      closed: new Promise((r) => socket.once("close", () => r())),
      ended: new Promise((r) => socket.once("end", () => r()))
    }
    socket.on("data", (chunk: Buffer) => {
      if (headDone) return raw.frames.push(chunk)
      pre = Buffer.concat([pre, chunk])
      const end = pre.indexOf("\r\n\r\n")
      if (end < 0) return
      headDone = true
      raw.head = pre.subarray(0, end + 4).toString("latin1")
      if (pre.length > end + 4) raw.frames.push(pre.subarray(end + 4))
    })
    socket.on("error", () => {})
    socket.once("connect", () => {
      if (request !== undefined) socket.write(request)
      resolve(raw)
    })
    socket.once("error", reject)
  })

/** Connects, upgrades, and waits for the 101. */
export const rawUpgrade = async (port: number, path = "/"): Promise<Raw> => {
  const raw = await rawConnect(port, upgradeRequest(path))
  await waitFor(() => raw.head !== "", 5_000, "the 101 response")
  if (!raw.head.startsWith("HTTP/1.1 101")) throw new Error(`upgrade refused: ${raw.head}`)
  return raw
}
