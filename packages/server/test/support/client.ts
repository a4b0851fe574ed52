/**
 * A test client over the `ws` npm package (the independent peer). Everything it receives is kept
 * in order; every wait is bounded and fails with a message that says what was expected.
 */
import { Effect, type Scope } from "effect"
import WebSocket from "ws"

export interface Received {
  readonly data: Buffer
  readonly isBinary: boolean
}

export interface CloseInfo {
  readonly code: number
  readonly reason: string
}

const DEFAULT_WAIT_MS = 5_000

const toBuffer = (data: WebSocket.RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)

/** Waits for `promise` at most `ms`, failing with `what`. */
export const within = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      }
    )
  })

export class Client {
  readonly ws: WebSocket
  /** Messages not taken yet. */
  private readonly inbox: Array<Received> = []
  private waiter: ((m: Received) => void) | undefined = undefined
  /** Every message ever received (for counting). */
  received = 0
  readonly pings: Array<Buffer> = []
  readonly pongs: Array<Buffer> = []
  readonly opened: Promise<void>
  readonly closed: Promise<CloseInfo>
  /** Set when the close event fired. */
  closeInfo: CloseInfo | undefined = undefined
  /** Messages still unread when the close event fired. */
  unreadAtClose = -1

  constructor(url: string, protocols?: string | Array<string>, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, protocols, options)
    this.ws.on("message", (data, isBinary) => {
      this.received++
      const m = { data: toBuffer(data), isBinary }
      const waiter = this.waiter
      if (waiter !== undefined) {
        this.waiter = undefined
        waiter(m)
      } else this.inbox.push(m)
    })
    this.ws.on("ping", (data) => this.pings.push(data))
    this.ws.on("pong", (data) => this.pongs.push(data))
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve())
      this.ws.once("error", reject)
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)))
    })
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString("utf8") }
        this.unreadAtClose = this.inbox.length
        resolve(this.closeInfo)
      })
    })
    // Errors after open are reported through `closed`; never let them be unhandled.
    this.ws.on("error", () => {})
    this.opened.catch(() => {})
  }

  /** The next message (in arrival order). */
  nextPromise(ms = DEFAULT_WAIT_MS): Promise<Received> {
    const queued = this.inbox.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.waiter !== undefined) return Promise.reject(new Error("two concurrent next() calls"))
    return within(
      new Promise<Received>((resolve) => {
        this.waiter = resolve
      }),
      ms,
      "a message"
    ).finally(() => {
      this.waiter = undefined
    })
  }

  next(ms = DEFAULT_WAIT_MS): Effect.Effect<Received> {
    return Effect.promise(() => this.nextPromise(ms))
  }

  /** The next message, which must be text; returns it decoded. */
  nextText(ms = DEFAULT_WAIT_MS): Effect.Effect<string> {
    return Effect.map(this.next(ms), (m) => {
      if (m.isBinary) throw new Error(`expected a text message, got binary (${m.data.byteLength} bytes)`)
      return m.data.toString("utf8")
    })
  }

  /** The next `n` text messages. */
  texts(n: number, ms = DEFAULT_WAIT_MS): Effect.Effect<Array<string>> {
    return Effect.gen({ self: this }, function* () {
      const out: Array<string> = []
      for (let i = 0; i < n; i++) out.push(yield* this.nextText(ms))
      return out
    })
  }

  /** How many messages are waiting unread. */
  get pending(): number {
    return this.inbox.length
  }

  send(data: string | Uint8Array, options: { binary?: boolean } = {}): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      this.ws.send(data, { binary: options.binary ?? typeof data !== "string" }, (err) => {
        resume(err === undefined || err === null ? Effect.void : Effect.die(err))
      })
    })
  }

  /** Waits for the close event. */
  waitClosed(ms = DEFAULT_WAIT_MS): Effect.Effect<CloseInfo> {
    return Effect.promise(() => within(this.closed, ms, "the close event"))
  }

  /** Waits until `pings` has at least `n` entries. */
  waitPings(n: number, ms = DEFAULT_WAIT_MS): Effect.Effect<Array<Buffer>> {
    return waitUntil(() => this.pings.length >= n, ms, `${n} ping(s)`).pipe(Effect.as(this.pings))
  }

  /** Waits until `pongs` has at least `n` entries. */
  waitPongs(n: number, ms = DEFAULT_WAIT_MS): Effect.Effect<Array<Buffer>> {
    return waitUntil(() => this.pongs.length >= n, ms, `${n} pong(s)`).pipe(Effect.as(this.pongs))
  }
}

/** Polls `condition` every 5 ms, at most `ms`. */
export const waitUntil = (condition: () => boolean, ms: number, what: string): Effect.Effect<void> =>
  Effect.promise(() =>
    within(
      new Promise<void>((resolve) => {
        const check = () => (condition() ? resolve() : setTimeout(check, 5))
        check()
      }),
      ms,
      what
    )
  )

/** Opens a client; it is terminated when the scope closes. */
export const connect = (
  url: string,
  protocols?: string | Array<string>,
  options: WebSocket.ClientOptions = {}
): Effect.Effect<Client, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const client = new Client(url, protocols, options)
      return Effect.promise(() => within(client.opened, DEFAULT_WAIT_MS, `connection to ${url}`)).pipe(Effect.as(client))
    }),
    (client) => Effect.sync(() => client.ws.terminate())
  )

/** Opens `n` clients at once. */
export const connectMany = (url: string, n: number): Effect.Effect<Array<Client>, never, Scope.Scope> =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    () => connect(url),
    { concurrency: "unbounded" }
  )

/**
 * A handshake that must fail: resolves with the HTTP status, the `Error` header, and the body.
 */
export const rejected = (
  url: string,
  protocols?: string | Array<string>,
  options: WebSocket.ClientOptions = {}
): Effect.Effect<{ status: number; error: string | undefined; body: string; headers: Record<string, unknown> }> =>
  Effect.promise(() =>
    within(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, protocols, options)
        ws.on("open", () => {
          ws.terminate()
          reject(new Error("the handshake was accepted"))
        })
        ws.on("error", () => {})
        ws.on("unexpected-response", (_req, res) => {
          let body = ""
          res.setEncoding("utf8")
          res.on("data", (c: string) => (body += c))
          res.on("end", () => {
            ws.terminate()
            const error = res.headers["error"]
            resolve({
              status: res.statusCode ?? 0,
              error: Array.isArray(error) ? error.join(", ") : error,
              body,
              headers: res.headers
            })
          })
        })
      }),
      DEFAULT_WAIT_MS,
      `a rejected handshake at ${url}`
    )
  )
