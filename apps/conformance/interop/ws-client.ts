/**
 * A thin promise layer over the `ws` npm client for the interop tests: every wait is bounded, and
 * messages are queued from the moment the socket opens so none is lost between two awaits.
 */
import WebSocket from "ws"
import { withTimeout } from "./util.js"

export interface Received {
  readonly data: Buffer
  readonly isBinary: boolean
}

export interface Closed {
  readonly code: number
  readonly reason: string
  /** From ws's CloseEvent: both close frames were exchanged before the TCP connection closed. */
  readonly wasClean: boolean
}

export const WAIT_MS = 10_000

interface Waiter<T> {
  readonly resolve: (v: T) => void
  readonly reject: (e: Error) => void
}

export class WsClient {
  private readonly queue: Received[] = []
  private waiter: Waiter<Received> | undefined
  private readonly pongs: Buffer[] = []
  private pongWaiter: Waiter<Buffer> | undefined
  private closedInfo: Closed | undefined
  readonly closed: Promise<Closed>
  /** Errors ws reported (e.g. a protocol violation by the server); tests assert this stays empty. */
  readonly errors: Error[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const m = { data, isBinary }
      const w = this.waiter
      this.waiter = undefined
      if (w) w.resolve(m)
      else this.queue.push(m)
    })
    ws.on("pong", (data: Buffer) => {
      const w = this.pongWaiter
      this.pongWaiter = undefined
      if (w) w.resolve(data)
      else this.pongs.push(data)
    })
    ws.on("error", (err) => this.errors.push(err))
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (ev) => {
        const info = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean }
        this.closedInfo = info
        // Fail pending waits at once instead of letting them run into their timeout.
        const err = this.closedError()
        this.waiter?.reject(err)
        this.pongWaiter?.reject(err)
        this.waiter = this.pongWaiter = undefined
        resolve(info)
      })
    })
  }

  private closedError(): Error {
    const c = this.closedInfo
    const errs = this.errors.map(String).join("; ")
    return new Error(`connection closed (code ${c?.code}, reason ${JSON.stringify(c?.reason)})${errs ? `: ${errs}` : ""}`)
  }

  static async connect(url: string): Promise<WsClient> {
    // maxPayload well above the largest test message; ws's default offer of permessage-deflate is
    // left on on purpose: a real client offers it, and the server must decline what it does not do.
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, handshakeTimeout: WAIT_MS })
    const client = new WsClient(ws)
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve())
        ws.once("error", reject)
        ws.once("unexpected-response", (_req, res) => reject(new Error(`handshake answered HTTP ${res.statusCode}`)))
      }),
      WAIT_MS,
      `ws connect to ${url}`
    )
    return client
  }

  next(what = "next message"): Promise<Received> {
    const queued = this.queue.shift()
    if (queued) return Promise.resolve(queued)
    if (this.closedInfo) return Promise.reject(this.closedError())
    if (this.waiter) throw new Error("only one next() at a time")
    return withTimeout(new Promise<Received>((resolve, reject) => (this.waiter = { resolve, reject })), WAIT_MS, what).finally(
      () => (this.waiter = undefined)
    )
  }

  nextPong(what = "pong"): Promise<Buffer> {
    const queued = this.pongs.shift()
    if (queued) return Promise.resolve(queued)
    if (this.closedInfo) return Promise.reject(this.closedError())
    return withTimeout(new Promise<Buffer>((resolve, reject) => (this.pongWaiter = { resolve, reject })), WAIT_MS, what).finally(
      () => (this.pongWaiter = undefined)
    )
  }

  /** Sends and resolves once ws has written the frame(s) to the socket. */
  send(data: string | Buffer, options: { binary?: boolean; fin?: boolean } = {}): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve, reject) => this.ws.send(data, { compress: false, ...options }, (err) => (err ? reject(err) : resolve()))),
      WAIT_MS,
      "send"
    )
  }

  /** Sends a message and returns the next message the server sends back. */
  async echo(data: string | Buffer, options: { binary?: boolean } = {}): Promise<Received> {
    await this.send(data, options)
    return this.next("echo")
  }

  waitClosed(what = "close"): Promise<Closed> {
    return withTimeout(this.closed, WAIT_MS, what)
  }

  /** Best effort teardown after a test: never leaves a socket open, never waits unbounded. */
  async dispose(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.terminate()
    await withTimeout(this.closed, WAIT_MS, "terminate").catch(() => undefined)
  }
}
