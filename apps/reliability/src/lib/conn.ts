/**
 * One raw `node:net` WebSocket client connection: handshake, then a queue of what the server sent
 * (frames, EOF, socket errors) that the caller awaits with a deadline. Deadlines are enforced by
 * one shared watchdog interval instead of a timer per wait, so 10,000 connections stay cheap.
 * With `{ deflate: true }` it offers permessage-deflate like a browser (lib/deflate.ts): messages
 * the server compressed (RSV1) arrive inflated, and `conn.deflate` compresses what it sends.
 */
import { connect, type Socket } from "node:net"
import {
  expectedAccept,
  FrameReader,
  isValidUtf8,
  MessageAssembler,
  newKey,
  ResponseHeadReader,
  Rsv,
  upgradeRequest,
  type ReadFrame,
  type ServerEvent
} from "@wspipe/test-frames"
import { ClientDeflate, OFFER, parseAnswer } from "./deflate.js"

/**
 * What the server sent (frames checked by @wspipe/test-frames, independent of the codec): a Close
 * without a status code reports 1005 (RFC 6455 §7.1.5); the first rule the server broke is one
 * `violation`, after which nothing more is read.
 */
export type Incoming =
  | Exclude<ServerEvent, { readonly type: "close" }>
  | { readonly type: "close"; readonly code: number; readonly reason: string; readonly payload: Buffer }
  | { readonly type: "violation"; readonly reason: string }

export type Event =
  | Incoming
  | { readonly type: "eof" }
  | { readonly type: "error"; readonly code: string }
  | { readonly type: "timeout" }
  | { readonly type: "upgraded" }

const waiting = new Set<RawConn>()
let watchdog: NodeJS.Timeout | undefined

const ensureWatchdog = (): void => {
  if (watchdog !== undefined) return
  watchdog = setInterval(() => {
    const now = Date.now()
    for (const conn of waiting) if (now >= conn.deadline) conn.expire()
  }, 200)
  watchdog.unref()
}

/** Stops the shared watchdog (at the end of a script, so the process can exit). */
export const stopWatchdog = (): void => {
  if (watchdog !== undefined) clearInterval(watchdog)
  watchdog = undefined
}

export class RawConn {
  readonly socket: Socket
  private readonly events: Event[] = []
  private head: number = 0
  private resolve: ((e: Event) => void) | undefined = undefined
  private reader = new FrameReader()
  private readonly messages = new MessageAssembler()
  /** permessage-deflate, once the server agreed to our offer; `offered` until the answer. */
  deflate: ClientDeflate | undefined = undefined
  private offered = false
  /** The message being received had RSV1 on its first frame (and was it text). */
  private compressed: { text: boolean } | undefined = undefined
  private violated = false
  private handshake: ResponseHeadReader | undefined = new ResponseHeadReader()
  private ended = false
  deadline = 0
  /** Set once the socket is gone (EOF or error seen). */
  gone = false

  private constructor(socket: Socket) {
    this.socket = socket
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => {
      if (this.handshake !== undefined) {
        const r = this.handshake.push(chunk)
        if (r === undefined) return
        this.handshake = undefined
        this.handshakeResult = r === "too-large" ? { status: -1, headers: new Map() } : r.head
        if (this.offered && r !== "too-large" && r.head.status === 101) this.negotiate(r.head.headers.get("sec-websocket-extensions"))
        this.emit({ type: "upgraded" })
        if (r === "too-large" || r.rest.length === 0) return
        chunk = r.rest
      }
      this.frames(chunk)
    })
    socket.on("end", () => {
      this.gone = true
      this.emit({ type: "eof" })
    })
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.gone = true
      this.emit({ type: "error", code: error.code ?? error.message })
    })
    socket.on("close", () => {
      this.gone = true
      this.emit({ type: "eof" })
    })
  }

  handshakeResult: { status: number; headers: ReadonlyMap<string, string> } | undefined = undefined

  /** The answer to our permessage-deflate offer: agreed, declined, or a violation. */
  private negotiate(header: string | undefined): void {
    const answer = parseAnswer(header)
    if (typeof answer === "string") this.deflateViolation = `permessage-deflate answer: ${answer} (RFC 7692 §7.1)`
    else if (answer !== undefined) {
      this.deflate = new ClientDeflate(answer)
      this.reader = new FrameReader({ allowedRsv: Rsv.Rsv1 })
    }
  }

  private deflateViolation: string | undefined = undefined

  /** A frame of a deflate connection, checked for RSV1 (RFC 7692 §6.1) and readied for the assembler. */
  private deflateFrame(f: ReadFrame): ReadFrame {
    const rsv1 = (f.rsv & Rsv.Rsv1) !== 0
    if (rsv1 && (f.opcode === 0 || f.opcode >= 8))
      this.deflateViolation ??= `RSV1 on a ${f.opcode === 0 ? "continuation" : "control"} frame (RFC 7692 §6.1)`
    if (f.opcode !== 1 && f.opcode !== 2) return f
    this.compressed = rsv1 ? { text: f.opcode === 1 } : undefined
    // Compressed text is not UTF-8 until inflated: the assembler sees it as binary.
    return rsv1 ? { ...f, rsv: 0, opcode: 2 } : f
  }

  /** A compressed message, inflated (and its text checked); a violation when it does not inflate. */
  private inflated(e: ServerEvent & { readonly type: "message" }): ServerEvent | undefined {
    const text = this.compressed!.text
    this.compressed = undefined
    try {
      const data = this.deflate!.inflate(e.data)
      if (text && !isValidUtf8(data)) this.deflateViolation ??= "an inflated text message is not valid UTF-8 (RFC 6455 §8.1)"
      return { type: "message", kind: text ? "text" : "binary", data }
    } catch (error) {
      this.deflateViolation ??= `a compressed message does not inflate: ${(error as Error).message} (RFC 7692 §7.2.2)`
      return undefined
    }
  }

  /** The server's frames in `chunk`, as events; the first violation ends the reading. */
  private frames(chunk: Buffer): void {
    if (this.violated) return
    const violations = () => this.reader.violations.length + this.messages.violations.length + (this.deflateViolation === undefined ? 0 : 1)
    if (this.deflateViolation === undefined) {
      for (const frame of this.reader.push(chunk)) {
        const f = this.deflate === undefined ? frame : this.deflateFrame(frame)
        let e = this.messages.push(f)
        if (e?.type === "message" && this.compressed !== undefined) e = this.inflated(e)
        if (e !== undefined) this.emit(e.type === "close" ? { ...e, code: e.code ?? 1005 } : e)
        if (violations() > 0) break
      }
    }
    const reason = this.reader.violations[0] ?? this.messages.violations[0] ?? this.deflateViolation
    if (reason !== undefined) {
      this.violated = true
      this.emit({ type: "violation", reason })
    }
  }

  /**
   * Connects to 127.0.0.1:port and upgrades. Resolves to the connection, or to a string saying
   * what failed ("connect:ECONNREFUSED", "handshake:503", "handshake:timeout", "accept-mismatch").
   */
  static async open(port: number, timeoutMs: number, path = "/", options: { readonly deflate?: boolean } = {}): Promise<RawConn | string> {
    const socket = connect({ host: "127.0.0.1", port })
    const conn = new RawConn(socket)
    const key = newKey()
    conn.offered = options.deflate === true
    const headers = conn.offered ? { "Sec-WebSocket-Extensions": OFFER } : {}
    socket.write(upgradeRequest({ host: `127.0.0.1:${port}`, path, key, headers }))
    const first = await conn.next(timeoutMs)
    if (first.type !== "upgraded" || conn.handshakeResult === undefined) {
      conn.destroy()
      if (first.type === "error") return `connect:${first.code}`
      return first.type === "timeout" ? "handshake:timeout" : "handshake:eof"
    }
    const r = conn.handshakeResult
    if (r.status !== 101) {
      conn.destroy()
      return `handshake:${r.status}`
    }
    if (r.headers.get("sec-websocket-accept") !== expectedAccept(key)) {
      conn.destroy()
      return "accept-mismatch"
    }
    if (conn.deflateViolation !== undefined) {
      conn.destroy()
      return `deflate-answer:${conn.deflateViolation}`
    }
    return conn
  }

  private emit(e: Event): void {
    if (e.type === "eof") {
      if (this.ended) return
      this.ended = true
    }
    const resolve = this.resolve
    if (resolve !== undefined) {
      this.resolve = undefined
      waiting.delete(this)
      resolve(e)
    } else this.events.push(e)
  }

  /** Next event, or `{type: "timeout"}` after `timeoutMs`. Only one waiter at a time. */
  next(timeoutMs: number): Promise<Event> {
    if (this.head < this.events.length) {
      const e = this.events[this.head++]!
      if (this.head > 64 && this.head * 2 > this.events.length) {
        this.events.splice(0, this.head)
        this.head = 0
      }
      return Promise.resolve(e)
    }
    ensureWatchdog()
    this.deadline = Date.now() + timeoutMs
    waiting.add(this)
    return new Promise((resolve) => {
      this.resolve = resolve
    })
  }

  /** Called by the watchdog. */
  expire(): void {
    const resolve = this.resolve
    waiting.delete(this)
    if (resolve === undefined) return
    this.resolve = undefined
    resolve({ type: "timeout" })
  }

  write(bytes: Uint8Array): boolean {
    if (this.gone || this.socket.destroyed) return false
    return this.socket.write(bytes)
  }

  destroy(): void {
    this.gone = true
    waiting.delete(this)
    this.socket.destroy()
  }
}
