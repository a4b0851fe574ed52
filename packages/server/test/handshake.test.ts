/**
 * The opening handshake over real sockets: the handler's hook accepts or rejects (status + `Error`
 * header), subprotocol selection (server option and hook), the `path` option, plain HTTP → 426.
 */
import type * as Http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Command, Handler, Handshake, Inbox } from "../src/index.js"
import { Client, connect, rejected, waitUntil, within } from "./support/client.js"
import { httpGet } from "./support/http.js"
import { start } from "./support/server.js"

const withHook = (hook: Handshake.HandshakeHook) => Handler.fiber(echo.run, { handshake: hook, name: "hooked-echo" })

const tokenCheck = withHook((req) =>
  req.headers["authorization"] === "Bearer s3cret" ? Handshake.accept() : Handshake.reject(401, "no token")
)

describe("handshake", () => {
  it.live("a hook rejects with 401 and the reason in the Error header", () =>
    Effect.gen(function* () {
      const { url } = yield* start(tokenCheck)
      const answer = yield* rejected(url)
      expect(answer.status).toBe(401)
      expect(answer.error).toBe("no token")
    })
  )

  it.live("the same hook accepts a client with the token, which then works", () =>
    Effect.gen(function* () {
      const { url } = yield* start(tokenCheck)
      const client = yield* connect(url, undefined, { headers: { authorization: "Bearer s3cret" } })
      yield* client.send("in")
      expect(yield* client.nextText()).toBe("in")
    })
  )

  it.live("a hook may answer with an Effect, and sees path, query and headers", () =>
    Effect.gen(function* () {
      const seen: Array<Handshake.HandshakeRequest> = []
      const { url } = yield* start(
        withHook((req) => {
          seen.push(req)
          return Effect.sleep("10 millis").pipe(Effect.as(req.query === "ok=1" ? Handshake.accept() : Handshake.reject(403, "forbidden")))
        })
      )
      const answer = yield* rejected(`${url}room?ok=0`)
      expect(answer.status).toBe(403)
      expect(answer.error).toBe("forbidden")
      yield* connect(`${url}room?ok=1`, undefined, { headers: { "x-test": "yes" } })
      expect(seen[1]!.path).toBe("/room")
      expect(seen[1]!.query).toBe("ok=1")
      expect(seen[1]!.headers["x-test"]).toBe("yes")
    })
  )

  it.live("a hook that fails gives 500, and the server keeps accepting", () =>
    Effect.gen(function* () {
      let first = true
      const { url } = yield* start(
        withHook(() => {
          if (first) {
            first = false
            throw new Error("hook bug")
          }
          return Handshake.accept()
        })
      )
      expect((yield* rejected(url)).status).toBe(500)
      const client = yield* connect(url)
      yield* client.send("still here")
      expect(yield* client.nextText()).toBe("still here")
    })
  )

  it.live("a hook whose Effect fails gives 500 too (the fiber path), and the server keeps accepting", () =>
    Effect.gen(function* () {
      let first = true
      const { url } = yield* start(
        withHook(() =>
          Effect.suspend(() => {
            if (!first) return Effect.succeed(Handshake.accept())
            first = false
            return Effect.fail("no database")
          })
        )
      )
      expect((yield* rejected(url)).status).toBe(500)
      const client = yield* connect(url)
      yield* client.send("after the failure")
      expect(yield* client.nextText()).toBe("after the failure")
    })
  )

  it.live("the protocols option selects a subprotocol the client offered", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { protocols: ["chat.v2", "chat.v1"] })
      const client = yield* connect(url, ["other", "chat.v1"])
      expect(client.ws.protocol).toBe("chat.v1")
      const plain = yield* connect(url)
      expect(plain.ws.protocol).toBe("")
    })
  )

  it.live("a hook selects the subprotocol and adds headers; the connection carries the protocol", () =>
    Effect.gen(function* () {
      const protocols: Array<string | undefined> = []
      const handler = Handler.fiber(
        (inbox, sender) =>
          Effect.forever(
            Effect.gen(function* () {
              for (const e of yield* Inbox.takeAll(inbox)) {
                if (e._tag === "Open") protocols.push(e.conn.protocol)
                if (e._tag === "Message") yield* Queue.offer(sender, Command.unicast(e.conn, e))
              }
            })
          ),
        {
          handshake: (req) => Handshake.accept({ protocol: req.protocols.at(-1), headers: { "x-server": "wspipe" } })
        }
      )
      const { url } = yield* start(handler, { protocols: ["a"] })
      const client = new Client(url, ["a", "b", "c"])
      const headers = new Promise<Http.IncomingHttpHeaders>((resolve) => client.ws.once("upgrade", (res) => resolve(res.headers)))
      yield* Effect.promise(() => within(client.opened, 5_000, "open"))
      yield* Effect.addFinalizer(() => Effect.sync(() => client.ws.terminate()))
      expect(client.ws.protocol).toBe("c") // the hook wins over the option
      expect((yield* Effect.promise(() => headers))["x-server"]).toBe("wspipe")
      yield* client.send("x")
      expect(yield* client.nextText()).toBe("x")
      expect(protocols).toEqual(["c"])
    })
  )

  it.live("a hook choosing a subprotocol the client did not offer is refused with 500", () =>
    Effect.gen(function* () {
      const { url } = yield* start(withHook(() => Handshake.accept({ protocol: "not-offered" })))
      expect((yield* rejected(url, ["a"])).status).toBe(500)
    })
  )

  it.live("the path option: other paths get 404", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { path: "/ws" })
      const answer = yield* rejected(`${url}other`)
      expect(answer.status).toBe(404)
      const client = yield* connect(`${url}ws?token=1`) // the query is not part of the path
      yield* client.send("on /ws")
      expect(yield* client.nextText()).toBe("on /ws")
    })
  )

  it.live("a plain HTTP request to the listening port gets 426 with a helpful body", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo)
      const res = yield* httpGet(`http://127.0.0.1:${port}/`)
      expect(res.status).toBe(426)
      expect(res.headers["upgrade"]?.toLowerCase()).toBe("websocket")
      expect(res.body).toMatch(/WebSocket/)
      expect(res.body).toMatch(/Upgrade: websocket/)
    })
  )

  it.live("a bad Sec-WebSocket-Version gets 426 naming the version the server speaks", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const answer = yield* rejected(url, undefined, { protocolVersion: 8 })
      expect(answer.status).toBe(426)
      expect(answer.headers["sec-websocket-version"]).toBe("13")
    })
  )

  it.live("the Open event carries the upgrade request (path, query, headers, offered protocols)", () =>
    Effect.gen(function* () {
      const opens: Array<Handshake.HandshakeRequest> = []
      const handler = Handler.fiber((inbox) =>
        Effect.forever(
          Effect.gen(function* () {
            for (const e of yield* Inbox.takeAll(inbox)) if (e._tag === "Open") opens.push(e.request)
          })
        )
      )
      const { url } = yield* start(handler, { protocols: ["p2"] })
      const client = yield* connect(`${url}room?x=1`, ["p1", "p2"], { headers: { "x-test": "yes" } })
      yield* waitUntil(() => opens.length === 1, 5_000, "the Open event")
      expect(opens[0]!.path).toBe("/room")
      expect(opens[0]!.query).toBe("x=1")
      expect(opens[0]!.headers["x-test"]).toBe("yes")
      expect(opens[0]!.protocols).toEqual(["p1", "p2"])
      expect(client.ws.protocol).toBe("p2")
    })
  )
})
