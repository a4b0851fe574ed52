/**
 * Limits and faults over real sockets: message and frame size limits (1009), invalid
 * UTF-8 (1007), a peer that vanishes mid-frame costs only its own connection, and the "drop"
 * slow-consumer policy keeps a client that stops reading connected while others get everything.
 */
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Command, Handler, type Connection, Inbox } from "../src/index.js"
import { connect, waitUntil } from "./support/client.js"
import { frame, Op } from "./support/frames.js"
import { start } from "./support/server.js"

/** Opens a raw TCP WebSocket connection (handshake done by hand) for byte-level misbehaviour. */
const rawUpgrade = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<Net.Socket>((resolve, reject) => {
          const socket = Net.connect(port, "127.0.0.1")
          socket.once("error", reject)
          socket.write(
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
          )
          socket.once("data", (d: Buffer) =>
            d.toString("latin1").startsWith("HTTP/1.1 101") ? resolve(socket) : reject(new Error(String(d)))
          )
        })
    ),
    (socket) => Effect.sync(() => socket.destroy())
  )

describe("limits and faults", () => {
  it.live("a message of exactly maxMessageSize passes; one byte more is closed with 1009", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { maxMessageSize: 1000, maxFrameSize: 1000 })
      const ok = yield* connect(url)
      yield* ok.send(Buffer.alloc(1000, 1))
      expect((yield* ok.next()).data.byteLength).toBe(1000)
      const big = yield* connect(url)
      big.ws.send(Buffer.alloc(1001, 1))
      expect((yield* big.waitClosed()).code).toBe(1009)
      // The first client is unaffected.
      yield* ok.send("still fine")
      expect(yield* ok.nextText()).toBe("still fine")
    })
  )

  it.live("fragments adding up past maxMessageSize are closed with 1009", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { maxMessageSize: 1000, maxFrameSize: 600 })
      const client = yield* connect(url)
      client.ws.send(Buffer.alloc(600), { fin: false })
      client.ws.send(Buffer.alloc(600), { fin: true })
      expect((yield* client.waitClosed()).code).toBe(1009)
    })
  )

  it.live("a text message that is not valid UTF-8 is closed with 1007", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url)
      client.ws.send(Buffer.from([0x68, 0xc3, 0x28]), { binary: false })
      expect((yield* client.waitClosed()).code).toBe(1007)
    })
  )

  it.live("a peer that vanishes mid-frame costs only its own connection (the handler sees 1006)", () =>
    Effect.gen(function* () {
      const closed: Array<number> = []
      const handler = Handler.fiber((inbox, sender) =>
        Effect.forever(
          Effect.gen(function* () {
            for (const e of yield* Inbox.takeAll(inbox)) {
              if (e._tag === "Closed") closed.push(e.code)
              if (e._tag === "Message") yield* Queue.offer(sender, Command.unicast(e.conn, e))
            }
          })
        )
      )
      const { url, port, server } = yield* start(handler)
      const good = yield* connect(url)
      const raw = yield* rawUpgrade(port)
      yield* waitUntil(() => server.connections() === 2, 5_000, "two connections")
      raw.write(frame(Op.Binary, new Uint8Array(5000)).subarray(0, 2000)) // a header and part of the payload
      yield* Effect.sleep("20 millis")
      raw.destroy()
      yield* waitUntil(() => closed.length === 1, 5_000, "the Closed event")
      expect(closed).toEqual([1006])
      yield* waitUntil(() => server.connections() === 1, 5_000, "the connection to be gone")
      yield* good.send("unaffected")
      expect(yield* good.nextText()).toBe("unaffected")
    })
  )

  it.live('slowConsumer "drop": a client that stops reading stays connected and loses messages; others get all', () =>
    Effect.gen(function* () {
      const conns: Array<Connection> = []
      const handler = Handler.fiber((inbox) =>
        Effect.forever(
          Effect.gen(function* () {
            for (const e of yield* Inbox.takeAll(inbox)) if (e._tag === "Open") conns.push(e.conn)
          })
        )
      )
      // Uncompressed: 30 MiB of one repeated byte would deflate to almost nothing and fill no buffer.
      const { url, server } = yield* start(handler, { slowConsumer: "drop", outboundQueueCapacity: 4, perMessageDeflate: false })
      const reader = yield* connect(url)
      const stalled = yield* connect(url)
      yield* waitUntil(() => conns.length === 2, 5_000, "two Open events")
      // The stalled client stops reading: its socket fills, then its out queue (4 frames).
      ;(stalled.ws as unknown as { _socket: Net.Socket })._socket.pause()
      const chunk = Buffer.alloc(256 * 1024, 7)
      const COUNT = 120 // 30 MiB: far more than the socket buffers hold
      for (let i = 0; i < COUNT; i++) {
        yield* server.command(Command.broadcastAll(chunk))
        // Let the reader keep up (its queue is only 4 deep too).
        if (i % 2 === 1) yield* waitUntil(() => reader.received >= i - 1, 10_000, "the reader to keep up")
      }
      yield* waitUntil(() => reader.received === COUNT, 10_000, "all messages at the reader")
      ;(stalled.ws as unknown as { _socket: Net.Socket })._socket.resume()
      // Let it drain what was kept (no new message for 300 ms).
      let seen = -1
      while (stalled.received !== seen) {
        seen = stalled.received
        yield* Effect.sleep("300 millis")
      }
      const kept = stalled.received
      expect(kept).toBeGreaterThan(0)
      expect(kept).toBeLessThan(COUNT) // some were dropped
      for (let i = 0; i < kept; i++) expect((yield* stalled.next()).data.equals(chunk)).toBe(true)
      // It is still connected: a new message reaches it.
      yield* server.command(Command.unicast(conns[1]!, "last"))
      expect(yield* stalled.nextText()).toBe("last")
      expect(stalled.closeInfo).toBeUndefined()
    })
  )
})
