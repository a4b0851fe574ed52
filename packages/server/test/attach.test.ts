/**
 * `Server.attach` to an existing `node:http` server: upgrades are handled, plain HTTP requests are
 * still served by the app, and the `path` option confines the WebSocket endpoint.
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Scope } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Server } from "../src/index.js"
import { connect, rejected, waitUntil } from "./support/client.js"
import { httpGet } from "./support/http.js"

/** An app server on a free port, closed with the test's scope. */
const appServer = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ http: Http.Server; base: string }>((resolve) => {
        const http = Http.createServer((req, res) => {
          res.writeHead(200, { "content-type": "text/plain" })
          res.end(`app says hello to ${req.url}`)
        })
        http.listen(0, "127.0.0.1", () => {
          const { port } = http.address() as Net.AddressInfo
          resolve({ http, base: `127.0.0.1:${port}` })
        })
      })
  ),
  ({ http }) =>
    Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          http.closeAllConnections()
          http.close(() => resolve())
        })
    )
)

describe("attach to an existing HTTP server", () => {
  it.live("upgrades on the path work; plain HTTP is still served by the app; other paths get 404", () =>
    Effect.gen(function* () {
      const { http, base } = yield* appServer
      const server = yield* Server.attach(http, echo, { path: "/ws" })
      expect(server.url).toBeUndefined()

      const client = yield* connect(`ws://${base}/ws`)
      yield* client.send("through attach")
      expect(yield* client.nextText()).toBe("through attach")
      expect(server.connections()).toBe(1)

      const page = yield* httpGet(`http://${base}/index.html`)
      expect(page.status).toBe(200)
      expect(page.body).toBe("app says hello to /index.html")

      const other = yield* rejected(`ws://${base}/elsewhere`)
      expect(other.status).toBe(404)
    })
  )

  it.live("without a path option every upgrade path is accepted", () =>
    Effect.gen(function* () {
      const { http, base } = yield* appServer
      yield* Server.attach(http, echo)
      const client = yield* connect(`ws://${base}/any/path?x=1`)
      yield* client.send(Buffer.from([1, 2, 3]))
      expect((yield* client.next()).data).toEqual(Buffer.from([1, 2, 3]))
    })
  )

  it.live("with another upgrade listener, other paths are left to it", () =>
    Effect.gen(function* () {
      const { http, base } = yield* appServer
      const seen: Array<string | undefined> = []
      http.on("upgrade", (req: Http.IncomingMessage, socket: Net.Socket) => {
        if (req.url === "/ws") return
        seen.push(req.url)
        socket.end("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
      })
      yield* Server.attach(http, echo, { path: "/ws" })
      expect((yield* rejected(`ws://${base}/tea`)).status).toBe(418)
      expect(seen).toEqual(["/tea"])
      const client = yield* connect(`ws://${base}/ws`)
      yield* client.send("mine")
      expect(yield* client.nextText()).toBe("mine")
    })
  )

  it.live("closing the attached server's scope closes its clients with 1001 and leaves the HTTP server running", () =>
    Effect.gen(function* () {
      const { http, base } = yield* appServer
      const scope = yield* Effect.scope
      const inner = yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* Server.attach(http, echo, { path: "/ws" })
          const client = yield* connect(`ws://${base}/ws`).pipe(Scope.provide(scope))
          yield* client.send("x")
          yield* client.nextText()
          return { server, client }
        })
      )
      expect((yield* inner.client.waitClosed()).code).toBe(1001)
      yield* waitUntil(() => inner.server.connections() === 0, 2_000, "no connections")
      expect(http.listening).toBe(true)
      expect((yield* httpGet(`http://${base}/still`)).body).toBe("app says hello to /still")
    })
  )
})
