/**
 * permessage-deflate in the server (RFC 7692): the handshake (on by default, the hook sees the
 * agreement and may refuse it, off with `perMessageDeflate: false`), the sender (a broadcast
 * compressed once and framed once for every recipient that shares parameters, RSV1 on the first
 * frame, small messages and pre-framed `Frame`s sent as they are), and the receiver's limit while
 * inflating (a bomb is refused with 1009) — with the `ws` client, which compresses like browsers.
 */
import { deflateRawSync } from "node:zlib"
import { Frame, PermessageDeflate } from "@wspipe/codec"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import WebSocket from "ws"
import { Command, Handler, Handshake, Prepared } from "../src/index.js"
import * as Framing from "../src/actors/sender/framing.js"
import { DeflateEngine } from "../src/deflate/engine.js"
import { sender } from "../src/internal.js"
import * as RuntimeMessage from "../src/messages/runtime-message.js"
import { connect } from "./support/client.js"
import { fakeConn, fakeLink, takeN } from "./support/actors.js"
import { start } from "./support/server.js"

const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])))
const DEFAULT_ANSWER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

/** The `Sec-WebSocket-Extensions` answer a `ws` client got. */
const answerOf = (ws: WebSocket) =>
  new Promise<string | undefined>((resolve) =>
    ws.once("upgrade", (res) => resolve(res.headers["sec-websocket-extensions"] as string | undefined))
  )

describe("permessage-deflate at the handshake", () => {
  it.live("on by default: the offer is answered with no context takeover either way, and messages round-trip", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const ws = new WebSocket(url)
      const answer = yield* Effect.promise(() => answerOf(ws))
      expect(answer).toBe(DEFAULT_ANSWER)
      ws.close()
      const client = yield* connect(url)
      const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, price: 100 + i / 7, side: i % 2 ? "buy" : "sell" })))
      yield* client.send(big)
      expect(yield* client.nextText()).toBe(big)
    })
  )

  it.live("the hook sees the agreement and may refuse compression for one connection; perMessageDeflate: false turns it off", () =>
    Effect.gen(function* () {
      const seen: Array<boolean> = []
      const refusing = Handler.fiber(echo.run, {
        handshake: (request) => {
          seen.push(request.compression !== undefined)
          return Handshake.accept({ compression: request.path !== "/plain" })
        }
      })
      const { url } = yield* start(refusing)
      const plain = new WebSocket(`${url}plain`)
      expect(yield* Effect.promise(() => answerOf(plain))).toBeUndefined()
      const compressed = new WebSocket(`${url}zip`)
      expect(yield* Effect.promise(() => answerOf(compressed))).toBe(DEFAULT_ANSWER)
      expect(seen).toEqual([true, true])
      plain.close()
      compressed.close()
      const off = yield* start(echo, { perMessageDeflate: false })
      const ws = new WebSocket(off.url)
      expect(yield* Effect.promise(() => answerOf(ws))).toBeUndefined()
      ws.close()
    })
  )

  it.live("takeover on request: the server's options are honoured in the answer", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, {
        perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 10 }
      })
      const ws = new WebSocket(url)
      expect(yield* Effect.promise(() => answerOf(ws))).toBe("permessage-deflate; server_max_window_bits=10")
      ws.close()
    })
  )
})

describe("permessage-deflate in the sender", () => {
  it.live(
    "a broadcast is compressed and framed once for all recipients that share parameters; small messages and Frames go as they are",
    () =>
      Effect.gen(function* () {
        const engine = new DeflateEngine()
        const agreement = PermessageDeflate.negotiate([{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }])!
        const inbox = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(64)
        yield* Effect.forkChild(
          sender(
            inbox,
            {
              fragmentSize: undefined,
              closeTimeoutMs: 5000,
              slowConsumer: "close",
              outboundBufferLimit: 1 << 22,
              outboundQueueCapacity: 64
            },
            undefined,
            { id: "local", bus: undefined, deflate: engine }
          )
        )
        const peers = []
        for (let i = 0; i < 4; i++) {
          const peer = { conn: fakeConn(), link: yield* fakeLink() }
          peers.push(peer)
          // The last one did not negotiate compression.
          yield* Queue.offer(inbox, RuntimeMessage.Register(peer.conn, peer.link, Framing.rfc6455, i < 3 ? agreement : undefined))
        }
        const big = "the same news for everyone ".repeat(100)
        yield* Queue.offerAll(inbox, [Command.broadcastAll(big), Command.broadcastAll("short"), Command.broadcastAll(Frame.text(big))])
        const got = []
        for (const p of peers) got.push(yield* takeN(p.link.out, 3))
        const [a, b, c, plain] = got
        expect(b![0]).toBe(a![0]) // the same bytes: compressed once, framed once
        expect(c![0]).toBe(a![0])
        expect((a![0] as Uint8Array)[0]).toBe(0xc1) // FIN + RSV1 + text (RFC 7692 §6)
        expect((a![0] as Uint8Array).length).toBeLessThan(big.length / 5)
        expect((plain![0] as Uint8Array)[0]).toBe(0x81) // not negotiated: uncompressed
        expect((a![1] as Uint8Array)[0]).toBe(0x81) // below the 1024-byte threshold
        expect((a![2] as Uint8Array)[0]).toBe(0x81) // a pre-framed Frame goes out as framed
        expect(engine.counters.broadcastCompressions).toBe(1)
        engine.close()
      })
  )
})

describe("Prepared: framed and compressed once, sent many times", () => {
  it.live("one compression and one frame per form across commands; takeover recipients compress in their own context", () =>
    Effect.gen(function* () {
      const engine = new DeflateEngine()
      const offer = [{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }] as const
      const shared = PermessageDeflate.negotiate(offer)!
      const takeover = PermessageDeflate.negotiate(offer, { serverNoContextTakeover: false })!
      expect(takeover.deflate.noContextTakeover).toBe(false)
      const inbox = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(64)
      yield* Effect.forkChild(
        sender(
          inbox,
          {
            fragmentSize: undefined,
            closeTimeoutMs: 5000,
            slowConsumer: "close",
            outboundBufferLimit: 1 << 22,
            outboundQueueCapacity: 64
          },
          undefined,
          { id: "local", bus: undefined, deflate: engine }
        )
      )
      const agreements = [shared, shared, takeover, undefined]
      const peers = []
      for (const agreement of agreements) {
        const peer = { conn: fakeConn(), link: yield* fakeLink() }
        peers.push(peer)
        yield* Queue.offer(inbox, RuntimeMessage.Register(peer.conn, peer.link, Framing.rfc6455, agreement))
      }
      const [a, b, own, plain] = peers
      const big = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: i, side: i % 2 ? "buy" : "sell" })))
      const news = Prepared.text(big)
      yield* Queue.offerAll(inbox, [
        Command.subscribe(a!.conn, "news"),
        Command.subscribe(plain!.conn, "news"),
        Command.broadcastAll(news),
        Command.unicast(b!.conn, news),
        Command.publish("news", news)
      ])
      const first = [
        yield* takeN(a!.link.out, 2),
        yield* takeN(b!.link.out, 2),
        yield* takeN(own!.link.out, 1),
        yield* takeN(plain!.link.out, 2)
      ]
      const [aGot, bGot, ownGot, plainGot] = first
      // Every no-takeover recipient, in every command, got the same bytes: compressed once, framed once.
      for (const bytes of [...aGot!, ...bGot!]) expect(bytes).toBe(aGot![0])
      expect((aGot![0] as Uint8Array)[0]).toBe(0xc1) // FIN + RSV1 + text (RFC 7692 §6)
      expect((aGot![0] as Uint8Array).length).toBeLessThan(big.length / 3)
      expect(plainGot![1]).toBe(plainGot![0]) // framed once without compression too
      expect((plainGot![0] as Uint8Array)[0]).toBe(0x81)
      expect((ownGot![0] as Uint8Array)[0]).toBe(0xc1)
      expect(ownGot![0]).not.toBe(aGot![0]) // compressed in its own context (takeover)
      expect(engine.counters.broadcastCompressions).toBe(1)
      // The same text not prepared is compressed again by each command.
      yield* Queue.offerAll(inbox, [Command.unicast(a!.conn, big), Command.unicast(b!.conn, big)])
      const again = [yield* takeN(a!.link.out, 1), yield* takeN(b!.link.out, 1)]
      expect(again[0]![0]).not.toBe(again[1]![0])
      expect(engine.counters.broadcastCompressions).toBe(3)
      engine.close()
    })
  )

  it.live("a prepared message reaches real clients as its text, compressed or not", () =>
    Effect.gen(function* () {
      const big = "prepared once ".repeat(200)
      const news = Prepared.text(big)
      const announcer = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.broadcastAll(news)] : [])))
      const { url } = yield* start(announcer)
      const open = (perMessageDeflate: boolean) =>
        Effect.promise(
          () =>
            new Promise<{ ws: WebSocket; next: Promise<string> }>((resolve) => {
              const ws = new WebSocket(url, { perMessageDeflate })
              const next = new Promise<string>((got) => ws.once("message", (d) => got(String(d))))
              ws.once("open", () => resolve({ ws, next }))
            })
        )
      const zipped = yield* open(true)
      const plain = yield* open(false)
      zipped.ws.send("go")
      expect(yield* Effect.promise(() => zipped.next)).toBe(big)
      expect(yield* Effect.promise(() => plain.next)).toBe(big)
      zipped.ws.close()
      plain.ws.close()
    })
  )
})

describe("permessage-deflate in the receiver", () => {
  it.live("a small message that inflates past maxMessageSize is refused with 1009; other clients go on", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { maxMessageSize: 64 * 1024, maxFrameSize: 64 * 1024 })
      const bystander = yield* connect(url)
      const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } })
      yield* Effect.promise(() => new Promise((resolve) => ws.once("open", resolve)))
      const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)))
      const bomb = Buffer.alloc(8 * 1024 * 1024) // 8 MiB of zeros deflate to ~8 KiB
      expect(deflateRawSync(bomb).length).toBeLessThan(64 * 1024)
      ws.send(bomb)
      expect(yield* Effect.promise(() => closed)).toBe(1009)
      yield* bystander.send("still here")
      expect(yield* bystander.nextText()).toBe("still here")
    })
  )
})
