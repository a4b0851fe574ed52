/**
 * A test client over the `ws` npm package (the independent peer). It keeps every message in
 * order and its close code; waits are bounded.
 */
import WebSocket from "ws"
import { within } from "./wait.js"

export class Client {
  readonly ws: WebSocket
  readonly messages: Array<Buffer> = []
  readonly pings: Array<number> = []
  closeCode: number | undefined = undefined
  closeReason = ""
  /** Message count when the close event fired (what came before the Close). */
  beforeClose = -1
  readonly opened: Promise<void>
  readonly closed: Promise<number>
  /** Resolvers waiting for the message count to reach a number (woken on each message and on close). */
  private waiters: Array<() => void> = []

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options)
    this.ws.on("message", (data: Buffer) => {
      this.messages.push(data)
      this.wakeWaiters()
    })
    this.ws.on("ping", () => this.pings.push(Date.now()))
    this.ws.on("error", () => {})
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve())
      this.ws.once("error", reject)
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)))
    })
    this.opened.catch(() => {})
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.closeCode = code
        this.closeReason = reason.toString()
        this.beforeClose = this.messages.length
        resolve(code)
        this.wakeWaiters()
      })
    })
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
    const client = new Client(url, options)
    await within(client.opened, 5_000, `a connection to ${url}`)
    return client
  }

  send(data: string | Buffer): void {
    this.ws.send(data)
  }

  private wakeWaiters(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Waits (event-driven, no polling) until `n` messages have arrived in all. */
  async waitCount(n: number, ms = 5_000): Promise<void> {
    const reached = () => this.messages.length >= n || this.closeCode !== undefined
    if (!reached()) {
      await within(
        new Promise<void>((resolve) => {
          const check = () => (reached() ? resolve() : void this.waiters.push(check))
          check()
        }),
        ms,
        `${n} messages (have ${this.messages.length})`
      )
    }
    if (this.messages.length < n) throw new Error(`closed (${this.closeCode}) after ${this.messages.length} of ${n} messages`)
  }

  /** Sends `text` and waits for the next message. */
  async request(text: string, ms = 5_000): Promise<string> {
    const n = this.messages.length
    this.send(text)
    await this.waitCount(n + 1, ms)
    return this.messages[n]!.toString()
  }

  waitClosed(ms = 5_000): Promise<number> {
    return within(this.closed, ms, "the connection to close")
  }

  terminate(): void {
    this.ws.terminate()
  }
}

/** Sequence numbers: a message whose text is (or starts with) a decimal integer. */
export const seqOf = (data: Buffer): number => Number.parseInt(data.toString("latin1"), 10)

/** Asserts `seqs` is exactly 0..n-1 (in order, no gaps, no duplicates); returns a reason if not. */
export const gapFreePrefix = (seqs: ReadonlyArray<number>): string | undefined => {
  for (let i = 0; i < seqs.length; i++) if (seqs[i] !== i) return `position ${i} holds ${seqs[i]}`
  return undefined
}

/** Strictly increasing (an in-order subsequence, e.g. after drops). */
export const increasing = (seqs: ReadonlyArray<number>): string | undefined => {
  for (let i = 1; i < seqs.length; i++) if (!(seqs[i]! > seqs[i - 1]!)) return `position ${i}: ${seqs[i]} after ${seqs[i - 1]}`
  return undefined
}
