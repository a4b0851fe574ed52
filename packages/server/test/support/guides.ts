/** What the guides' example tests share: servers in scopes closed after each test, and a `ws` client. */
import type * as Http from "node:http"
import { Server, type Handler, type Pipeline } from "@wspipe/server"
import { Effect, Exit, Scope } from "effect"
import { afterEach } from "vitest"
import WebSocket from "ws"

export const scopes: Array<Scope.Closeable> = []
export const sockets: Array<WebSocket> = []
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  for (const scope of scopes.splice(0)) await Effect.runPromise(Scope.close(scope, Exit.void))
})

/** Runs a scoped program (a server) until the end of the test. */
export const start = async <A, E>(program: Effect.Effect<A, E, Scope.Scope>): Promise<A> => {
  const scope = Effect.runSync(Scope.make())
  scopes.push(scope)
  return Effect.runPromise(Scope.provide(scope)(program))
}
export const listen = async <I, O>(handler: Handler.Handler<I, O> | Pipeline.PipelineConfig<I, O>, options: Server.ServerOptions = {}) => {
  const server = await start(Server.listen(handler, { ...options, port: 0 }))
  return `ws://127.0.0.1:${server.port}`
}

/** A `ws` client that keeps what it receives and lets a test wait for a matching message. */
export class Client {
  readonly received: Array<string> = []
  private waiters: Array<() => void> = []
  readonly closed: Promise<{ code: number; reason: string }>
  pings = 0
  constructor(readonly ws: WebSocket) {
    sockets.push(ws)
    ws.on("message", (data, isBinary) => {
      this.received.push(isBinary ? `<binary ${(data as Buffer).byteLength}>` : String(data))
      for (const w of this.waiters.splice(0)) w()
    })
    ws.on("ping", () => this.pings++)
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })))
  }
  send(data: string | Uint8Array) {
    this.ws.send(data)
  }
  /** Waits for (and takes) the first message matching `p`. */
  async next(p: (m: string) => boolean = () => true, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const i = this.received.findIndex(p)
      if (i >= 0) return this.received.splice(i, 1)[0]!
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(this.received)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }
}

export const connect = (url: string, headers: Record<string, string> = {}): Promise<Client> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    const client = new Client(ws)
    ws.once("open", () => resolve(client))
    ws.once("error", reject)
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })

/** Expects the handshake to be refused; resolves with the status and headers. */
export const refused = (url: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: Http.IncomingHttpHeaders }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    sockets.push(ws)
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
      res.resume()
    })
    ws.once("open", () => reject(new Error("handshake accepted")))
    ws.once("error", () => {})
  })

export const eventually = async (check: () => void, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs
  while (true) {
    try {
      return check()
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}
