/**
 * Control frames over real sockets (RFC 6455 §5.5): server-initiated close with code and reason,
 * the client's close echoed, ping/pong in both directions.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { connect, waitUntil } from "./support/client.js"
import { router } from "./support/router.js"
import { start } from "./support/server.js"

describe("control frames", () => {
  it.live('Command.close(conn, 4001, "bye"): the client sees code 4001 and reason bye, after earlier messages', () =>
    Effect.gen(function* () {
      const { url, server } = yield* start(router().handler)
      const client = yield* connect(url)
      expect(yield* client.nextText()).toMatch(/^id:/)
      yield* client.send("before")
      yield* client.send("close 4001 bye")
      const closed = yield* client.waitClosed()
      expect(closed).toEqual({ code: 4001, reason: "bye" })
      expect(yield* client.nextText(100)).toBe("before")
      yield* waitUntil(() => server.connections() === 0, 5_000, "the server to drop the connection")
    })
  )

  it.live("nothing is sent after the server's Close", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      // One batch: close, then an echo the sender must not send after its Close (§5.5.1).
      client.ws.send("close 4002 later")
      client.ws.send("after close")
      const closed = yield* client.waitClosed()
      expect(closed.code).toBe(4002)
      expect(client.received).toBe(1) // only the greeting
    })
  )

  it.live("a client's Close is echoed with the same code and the connection ends", () =>
    Effect.gen(function* () {
      const { url, server } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      expect(server.connections()).toBe(1)
      client.ws.close(4321, "client leaves")
      const closed = yield* client.waitClosed()
      // ws reports the code of the Close it received: the server's echo.
      expect(closed.code).toBe(4321)
      yield* waitUntil(() => server.connections() === 0, 5_000, "the server to drop the connection")
    })
  )

  it.live("a client Close without a code is answered and reported as 1005", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      client.ws.close()
      expect((yield* client.waitClosed()).code).toBe(1005)
    })
  )

  it.live("client ping → pong with the same payload", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      const payload = Buffer.from("are you there? ✓")
      client.ws.ping(payload)
      client.ws.ping(Buffer.alloc(0))
      const pongs = yield* client.waitPongs(2)
      expect(pongs[0]!.equals(payload)).toBe(true)
      expect(pongs[1]!.byteLength).toBe(0)
    })
  )

  it.live("a ping between the fragments of a message is answered, the message arrives whole", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      client.ws.send("frag", { fin: false })
      client.ws.ping(Buffer.from("mid"))
      client.ws.send("mented", { fin: true })
      expect(yield* client.nextText()).toBe("fragmented")
      expect((yield* client.waitPongs(1))[0]!.toString()).toBe("mid")
    })
  )

  it.live("Command.ping → the client receives a ping with the payload (and its pong is harmless)", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      yield* client.send("ping hello")
      const pings = yield* client.waitPings(1)
      expect(pings[0]!.toString()).toBe("hello")
      yield* client.send("still open")
      expect(yield* client.nextText()).toBe("still open")
    })
  )

  it.live.each([
    ["an invalid code (999)", "close 999 x"],
    ["a code that must not be sent (1005)", "close 1005 x"],
    ["a reason over 123 bytes", `close 4000 ${"r".repeat(124)}`]
  ])("Command.close with %s never puts an invalid Close on the wire: the client sees 1011", ([, command]) =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      let error: unknown
      client.ws.on("error", (e) => (error = e))
      yield* client.send(command!)
      const closed = yield* client.waitClosed()
      expect(error).toBeUndefined() // ws reports a protocol violation as an error (and 1006)
      expect(closed.code).toBe(1011)
    })
  )

  it.live("Command.ping with more than 125 bytes is not sent (RFC 6455 §5.5); the connection stays open", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      let error: unknown
      client.ws.on("error", (e) => (error = e))
      yield* client.send(`ping ${"p".repeat(126)}`)
      yield* client.send("ping ok")
      expect((yield* client.waitPings(1))[0]!.toString()).toBe("ok")
      yield* client.send("after")
      expect(yield* client.nextText()).toBe("after")
      expect(client.pings.length).toBe(1)
      expect(error).toBeUndefined()
      expect(client.closeInfo).toBeUndefined()
    })
  )

  it.live("replies to messages sent just before the client's Close arrive before the close echo", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const client = yield* connect(url)
      yield* client.nextText()
      for (let i = 0; i < 100; i++) client.ws.send(`m${i}`)
      client.ws.close(1000, "done")
      const closed = yield* client.waitClosed()
      expect(closed.code).toBe(1000)
      expect(client.unreadAtClose).toBe(100)
      expect(yield* client.texts(100)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`))
    })
  )
})
