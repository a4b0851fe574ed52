/**
 * One raw `node:net` WebSocket client connection: handshake, then a queue of what the server sent
 * (frames, EOF, socket errors) that the caller awaits with a deadline. Deadlines are enforced by
 * one shared watchdog interval instead of a timer per wait, so 10,000 connections stay cheap.
 */
import { connect, type Socket } from "node:net"
import {
  expectedAccept, FrameReader, MessageAssembler, newKey, ResponseHeadReader, upgradeRequest, type ServerEvent
} from "@wspipe/test-frames"

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
  private readonly reader = new FrameReader()
  private readonly messages = new MessageAssembler()
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

  /** The server's frames in `chunk`, as events; the first violation ends the reading. */
  private frames(chunk: Buffer): void {
    if (this.violated) return
    for (const f of this.reader.push(chunk)) {
      const e = this.messages.push(f)
      if (e !== undefined) this.emit(e.type === "close" ? { ...e, code: e.code ?? 1005 } : e)
      if (this.reader.violations.length + this.messages.violations.length > 0) break
    }
    const reason = this.reader.violations[0] ?? this.messages.violations[0]
    if (reason !== undefined) {
      this.violated = true
      this.emit({ type: "violation", reason })
    }
  }

  /**
   * Connects to 127.0.0.1:port and upgrades. Resolves to the connection, or to a string saying
   * what failed ("connect:ECONNREFUSED", "handshake:503", "handshake:timeout", "accept-mismatch").
   */
  static async open(port: number, timeoutMs: number, path = "/"): Promise<RawConn | string> {
    const socket = connect({ host: "127.0.0.1", port })
    const conn = new RawConn(socket)
    const key = newKey()
    socket.write(upgradeRequest({ host: `127.0.0.1:${port}`, path, key }))
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
