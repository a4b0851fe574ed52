/**
 * Graceful shutdown: closing the server's scope stops accepting, closes every client
 * with 1001 after what was already queued for it, waits for the close handshakes, then ends.
 */
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { Command, Handler, type Connection, Inbox } from "../src/index.js"
import { type Client, connect, waitUntil } from "./support/client.js"
import { start } from "./support/server.js"

/** A handler that only remembers who is connected (so the test can send to them). */
const registry = () => {
  const conns: Array<Connection> = []
  const handler = Handler.fiber(
    (inbox, sender) =>
      Effect.forever(
        Effect.gen(function* () {
          for (const e of yield* Inbox.takeAll(inbox)) {
            if (e._tag === "Open") {
              conns.push(e.conn)
              yield* Queue.offer(sender, Command.unicast(e.conn, "hi"))
            }
          }
        })
      ),
    { name: "registry" }
  )
  return { conns, handler }
}

const canConnect = (port: number) =>
  Effect.promise(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = Net.connect(port, "127.0.0.1")
        socket.once("connect", () => {
          socket.destroy()
          resolve(true)
        })
        socket.once("error", () => resolve(false))
      })
  )

describe("graceful shutdown", () => {
  it.live("every client sees 1001, after the messages queued before the shutdown", () =>
    Effect.gen(function* () {
      const { conns, handler } = registry()
      const { server, close, port } = yield* start(handler)
      const clients: Array<Client> = []
      for (let i = 0; i < 5; i++) clients.push(yield* connect(server.url!))
      for (const c of clients) expect(yield* c.nextText()).toBe("hi")
      expect(conns.length).toBe(5)

      for (const conn of conns) {
        for (let i = 0; i < 100; i++) yield* server.send(conn, `m${i}`)
      }
      const started = Date.now()
      yield* close
      // The scope closed only after the close handshakes completed (well before the 5 s timeout).
      expect(Date.now() - started).toBeLessThan(4_000)

      for (const c of clients) {
        const closed = yield* c.waitClosed()
        expect(closed.code).toBe(1001)
        // Everything queued before the shutdown had arrived when the Close came.
        expect(c.unreadAtClose).toBe(100)
        expect(yield* c.texts(100)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`))
      }
      expect(server.connections()).toBe(0)
      expect(yield* canConnect(port)).toBe(false)
    })
  )

  it.live("a client that never answers the Close is dropped after shutdownTimeoutMs", () =>
    Effect.gen(function* () {
      const { handler } = registry()
      const { server, close } = yield* start(handler, { shutdownTimeoutMs: 300, closeTimeoutMs: 10_000 })
      // A raw TCP client that completes the handshake, then never reads or answers.
      const socket = Net.connect(server.port!, "127.0.0.1")
      yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
      socket.write(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
      )
      let received = ""
      socket.on("data", (d: Buffer) => (received += d.toString("latin1")))
      yield* waitUntil(() => server.connections() === 1 && received.includes("101"), 5_000, "the upgrade")
      let ended = false
      socket.on("close", () => (ended = true))
      const started = Date.now()
      yield* close
      const took = Date.now() - started
      expect(took).toBeGreaterThanOrEqual(250)
      expect(took).toBeLessThan(3_000)
      yield* waitUntil(() => ended, 2_000, "the socket to be dropped")
      // It was sent Close 1001 (0x88, length, 0x03 0xe9) before being dropped.
      expect(received).toContain("\x88")
      expect(received).toContain("\x03\xe9")
    })
  )

  it.live("shutdown with no clients is immediate, and the port is released", () =>
    Effect.gen(function* () {
      const { handler } = registry()
      const { close, port } = yield* start(handler)
      expect(yield* canConnect(port)).toBe(true)
      const started = Date.now()
      yield* close
      expect(Date.now() - started).toBeLessThan(1_000)
      expect(yield* canConnect(port)).toBe(false)
    })
  )
})
