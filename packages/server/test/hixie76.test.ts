/**
 * draft-hixie-76 beside RFC 6455 on one port (the server option `legacyHixie76`), over real
 * sockets, with our own draft-76 client (proved against websocket-driver's server in the codec's
 * tests): off by default; on, each connection's protocol is chosen at its handshake, the hook
 * sees which and may refuse it, text flows both ways, the closing handshake works both ways, a
 * broadcast reaches both kinds, binary and Pings to a legacy connection are dropped and counted,
 * key3 must arrive in time, and frames in the handshake's own chunk are not lost.
 */
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Queue } from "effect"
import { Hixie76Client } from "../../codec/test/hixie76/support/client.js"
import { clientText, CLIENT_CLOSE, buildHandshake } from "../../codec/test/hixie76/support/client.js"
import { Command, Event, Handler, Handshake, Inbox, Metrics } from "../src/index.js"
import { connect, waitUntil } from "./support/client.js"
import { start } from "./support/server.js"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** Echoes text; "all <x>" broadcasts <x> to everyone; "bin"/"ping"/"close" ask for a binary, a Ping, a close. */
const mixed = () => {
  const closed: Array<Pick<Event.Closed, "code" | "origin"> & { variant: string }> = []
  const handler = Handler.fiber(
    (inbox, sender) =>
      Effect.forever(
        Effect.gen(function* () {
          const events = yield* Inbox.takeAll(inbox)
          const out: Array<Command.Command> = []
          for (const e of events) {
            if (e._tag === "Closed") closed.push({ code: e.code, origin: e.origin, variant: e.conn.variant })
            if (e._tag !== "Message") continue
            const text = Event.text(e)
            if (text.startsWith("all ")) out.push(Command.broadcastAll(text.slice(4)))
            else if (text === "bin") out.push(Command.unicast(e.conn, Uint8Array.of(1, 2)), Command.unicast(e.conn, "after bin"))
            else if (text === "ping") out.push(Command.ping(e.conn), Command.unicast(e.conn, "after ping"))
            else if (text === "close") out.push(Command.close(e.conn, 4000, "bye"))
            else out.push(Command.unicast(e.conn, `${e.conn.variant}: ${text}`))
          }
          if (out.length > 0) yield* Queue.offerAll(sender, out)
        })
      ),
    { name: "mixed" }
  )
  return { handler, closed }
}

const portOf = (url: string) => Number(new URL(url).port)

describe("draft-hixie-76", () => {
  it.live("off by default: a draft-76 request is refused like any request without Sec-WebSocket-Key", () =>
    Effect.gen(function* () {
      const { url } = yield* start(mixed().handler)
      const answer = yield* promise(
        () =>
          new Promise<string>((resolve) => {
            const socket = Net.connect(portOf(url), "127.0.0.1")
            let text = ""
            socket.on("data", (d) => (text += d.toString("latin1")))
            socket.on("close", () => resolve(text))
            socket.write(buildHandshake({ host: `127.0.0.1:${portOf(url)}` }).request)
          })
      )
      expect(answer).toMatch(/^HTTP\/1\.1 (400|426) /)
      expect(answer).not.toContain("101")
    })
  )

  it.live("on: text both ways, the variant on the connection, the client's closing handshake answered", () =>
    Effect.gen(function* () {
      const { handler, closed } = mixed()
      const { url } = yield* start(handler, { legacyHixie76: true })
      const legacy = yield* promise(() => Hixie76Client.connect(portOf(url), { resource: "/chat?room=1" }))
      expect(legacy.response.headers["sec-websocket-location"]).toBe(`ws://127.0.0.1:${portOf(url)}/chat?room=1`)
      legacy.send("héllo")
      expect(yield* promise(() => legacy.next())).toMatchObject({ type: "text", text: "hixie76: héllo" })
      const modern = yield* connect(url)
      yield* modern.send("hi")
      expect(yield* modern.nextText()).toBe("rfc6455: hi")
      legacy.close()
      const events = yield* promise(() => legacy.until("end"))
      expect(events.map((e) => e.type)).toEqual(["close", "end"])
      yield* waitUntil(() => closed.length === 1, 5_000, "the handler's Closed")
      expect(closed).toEqual([{ code: 1005, origin: "peer", variant: "hixie76" }])
    })
  )

  it.live("the handshake hook sees the variant and may refuse it", () =>
    Effect.gen(function* () {
      const handler = Handler.fiber(mixed().handler.run, {
        handshake: (request) =>
          request.variant === "hixie76" && request.path === "/modern-only"
            ? Handshake.reject(403, "RFC 6455 only here")
            : Handshake.accept()
      })
      const { url } = yield* start(handler, { legacyHixie76: true })
      const refused = yield* promise(() =>
        Hixie76Client.connect(portOf(url), { resource: "/modern-only" }).then(
          () => "connected",
          (e: Error) => e.message
        )
      )
      expect(refused).not.toBe("connected")
      const fine = yield* promise(() => Hixie76Client.connect(portOf(url), { resource: "/anywhere" }))
      fine.send("x")
      expect(yield* promise(() => fine.next())).toMatchObject({ type: "text", text: "hixie76: x" })
    })
  )

  it.live("a broadcast reaches 3 RFC 6455 and 3 draft-76 clients", () =>
    Effect.gen(function* () {
      const { url } = yield* start(mixed().handler, { legacyHixie76: true })
      const modern = [yield* connect(url), yield* connect(url), yield* connect(url)]
      const legacy = yield* promise(() => Promise.all([0, 1, 2].map(() => Hixie76Client.connect(portOf(url)))))
      yield* modern[0]!.send("all to everyone")
      for (const m of modern) expect(yield* m.nextText()).toBe("to everyone")
      for (const l of legacy) expect(yield* promise(() => l.next())).toMatchObject({ type: "text", text: "to everyone" })
      legacy[1]!.send("all from the past")
      for (const m of modern) expect(yield* m.nextText()).toBe("from the past")
      for (const l of legacy) expect(yield* promise(() => l.next())).toMatchObject({ type: "text", text: "from the past" })
    })
  )

  it.live("binary and Pings cannot go to a draft-76 client: dropped and counted, the connection goes on", () =>
    Effect.gen(function* () {
      const count = (key: string) => Effect.map(Metric.value(Metrics.metrics.unsendable), (s) => s.occurrences.get(key) ?? 0)
      const before = { message: yield* count("hixie76:message"), ping: yield* count("hixie76:ping") }
      const { url } = yield* start(mixed().handler, { legacyHixie76: true })
      const legacy = yield* promise(() => Hixie76Client.connect(portOf(url)))
      legacy.send("bin")
      expect(yield* promise(() => legacy.next())).toMatchObject({ type: "text", text: "after bin" })
      legacy.send("ping")
      expect(yield* promise(() => legacy.next())).toMatchObject({ type: "text", text: "after ping" })
      expect((yield* count("hixie76:message")) - before.message).toBe(1)
      expect((yield* count("hixie76:ping")) - before.ping).toBe(1)
    })
  )

  it.live("a close the server starts: 0xFF 0x00, the client's answer, TCP ends; the handler sees origin server", () =>
    Effect.gen(function* () {
      const { handler, closed } = mixed()
      const { url } = yield* start(handler, { legacyHixie76: true })
      const legacy = yield* promise(() => Hixie76Client.connect(portOf(url)))
      legacy.send("close")
      expect((yield* promise(() => legacy.until("end"))).map((e) => e.type)).toEqual(["close", "end"])
      yield* waitUntil(() => closed.length === 1, 5_000, "the handler's Closed")
      expect(closed[0]).toMatchObject({ origin: "server", variant: "hixie76" })
    })
  )

  it.live("frames in the same write as the handshake are not lost", () =>
    Effect.gen(function* () {
      const { url } = yield* start(mixed().handler, { legacyHixie76: true })
      const legacy = yield* promise(() =>
        Hixie76Client.connect(portOf(url), { firstFrames: Buffer.concat([clientText("one"), clientText("two")]) })
      )
      expect(yield* promise(() => legacy.next())).toMatchObject({ text: "hixie76: one" })
      expect(yield* promise(() => legacy.next())).toMatchObject({ text: "hixie76: two" })
    })
  )

  it.live("key3 that does not arrive within handshakeTimeoutMs: the socket is closed, no 101", () =>
    Effect.gen(function* () {
      const { url } = yield* start(mixed().handler, { legacyHixie76: true, handshakeTimeoutMs: 200 })
      const handshake = buildHandshake({ host: `127.0.0.1:${portOf(url)}` })
      const result = yield* promise(
        () =>
          new Promise<{ text: string; ms: number }>((resolve) => {
            const socket = Net.connect(portOf(url), "127.0.0.1")
            const t0 = Date.now()
            let text = ""
            socket.on("data", (d) => (text += d.toString("latin1")))
            socket.on("close", () => resolve({ text, ms: Date.now() - t0 }))
            socket.write(handshake.request.subarray(0, handshake.request.length - 3)) // key3 short by 3 bytes
          })
      )
      expect(result.text).toBe("")
      expect(result.ms).toBeGreaterThanOrEqual(150)
    })
  )

  it.live("the client's close split across two writes is still one closing handshake", () =>
    Effect.gen(function* () {
      const { url } = yield* start(mixed().handler, { legacyHixie76: true })
      const legacy = yield* promise(() => Hixie76Client.connect(portOf(url)))
      legacy.close(true)
      expect((yield* promise(() => legacy.until("end"))).map((e) => e.type)).toEqual(["close", "end"])
      expect(CLIENT_CLOSE).toEqual(Uint8Array.of(0xff, 0x00))
    })
  )

  it.live(
    "idle: a silent draft-76 client (no Ping to send it) is closed after twice idleTimeoutMs with 0xFF 0x00; the handler sees 1001 from idle",
    () =>
      Effect.gen(function* () {
        const { handler, closed } = mixed()
        const { url } = yield* start(handler, { legacyHixie76: true, idleTimeoutMs: 100 })
        const t0 = Date.now()
        const legacy = yield* promise(() => Hixie76Client.connect(portOf(url)))
        const events = yield* promise(() => legacy.until("end"))
        expect(events.map((e) => e.type)).toEqual(["close", "end"]) // no Ping frame before it
        expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
        yield* waitUntil(() => closed.length === 1, 5_000, "the handler's Closed")
        expect(closed[0]).toEqual({ code: 1001, origin: "idle", variant: "hixie76" })
      })
  )
})
