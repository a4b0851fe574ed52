/**
 * The receiver actor alone: fed `Attach` and `Chunk`s of masked frames built here and split at
 * odd boundaries, it gives the handler `Open`/`Message`/`Closed` with each connection's ending in
 * band right behind its `Closed` (`PeerClose`, `Fail`, `Gone`), and the sender its Pongs. No socket.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import type { Connection } from "../src/index.js"
import type * as Event from "../src/messages/event.js"
import * as RuntimeMessage from "../src/messages/runtime-message.js"
import { receiver } from "../src/internal.js"
import * as SocketInput from "../src/messages/socket-input.js"
import { makeConnection } from "../src/connection/connection.js"
import { fakeConn, fakeRequest, takeN } from "./support/actors.js"
import { closePayload, concat, frame, Op, split } from "./support/frames.js"

const decoderOptions = { variant: "rfc6455" as const, maxFrameSize: 1024, maxMessageSize: 4096, allowedRsv: 0 }
const request = fakeRequest()

/** A connection joins, with `rest` (bytes that came with the handshake) and handshake data. */
const attach = (conn: Connection, rest: Uint8Array = new Uint8Array(0), data?: unknown) =>
  SocketInput.Attach(conn, rest, decoderOptions, data, request)

/** A running receiver with its three queues. */
const setup = Effect.gen(function* () {
  const inbox = yield* Queue.bounded<SocketInput.SocketInput>(64)
  const events = yield* Queue.bounded<Event.Event | RuntimeMessage.Ending>(256)
  const controls = yield* Queue.bounded<RuntimeMessage.RuntimeMessage>(256)
  yield* Effect.forkChild(receiver(inbox, events, controls))
  const feed = (...inputs: Array<SocketInput.SocketInput>) => Queue.offerAll(inbox, inputs)
  return { inbox, events, controls, feed }
})

const text = (e: Event.Event | RuntimeMessage.Ending | undefined) =>
  e?._tag === "Message" ? `${e.kind}:${new TextDecoder().decode(e.data)}` : e?._tag

const ending = (tag: RuntimeMessage.Ending["_tag"], to: Connection, code: number, reason = "") =>
  new RuntimeMessage.Ending(tag, to, code, reason)

describe("receiver actor", () => {
  it.live("Attach → Open (with the handshake data); frames split at odd boundaries → Messages in order", () =>
    Effect.gen(function* () {
      const { events, controls, feed } = yield* setup
      const conn = fakeConn()
      const bytes = concat(
        frame(Op.Text, "héllo wörld"),
        frame(Op.Binary, Uint8Array.of(0, 1, 2, 255)),
        frame(Op.Text, "frag-", { fin: false }),
        frame(Op.Cont, "ment", { fin: false }),
        frame(Op.Cont, "ed"),
        frame(Op.Binary, new Uint8Array(300).fill(7)) // 16-bit length
      )
      // The first 3 bytes come with the handshake (`rest`), the others in chunks of 1, 5, 2, 7… bytes.
      const chunks = split(bytes.subarray(3), [1, 5, 2, 7, 13, 3])
      yield* feed(attach(conn, bytes.slice(0, 3), { user: "ann" }))
      for (const c of chunks) yield* feed(SocketInput.Chunk(conn, c))
      const got = yield* takeN(events, 5)
      expect(got[0]).toEqual({ _tag: "Open", conn, data: { user: "ann" }, request })
      expect(got.slice(1, 4).map(text)).toEqual(["text:héllo wörld", "binary:\u0000\u0001\u0002\ufffd", "text:frag-mented"])
      const big = got[4] as Event.Message
      expect(big.kind).toBe("binary")
      expect([...big.data]).toEqual(new Array(300).fill(7))
      expect(big.conn).toBe(conn)
      expect(Queue.sizeUnsafe(controls)).toBe(0)
    })
  )

  it.live("two connections' chunks interleaved are decoded separately", () =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const a = fakeConn()
      const b = fakeConn()
      const fa = split(frame(Op.Text, "from a"), [3])
      const fb = split(frame(Op.Text, "from b"), [4])
      yield* feed(attach(a))
      yield* feed(attach(b))
      for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
        if (fa[i]) yield* feed(SocketInput.Chunk(a, fa[i]!))
        if (fb[i]) yield* feed(SocketInput.Chunk(b, fb[i]!))
      }
      const got = (yield* takeN(events, 4)).filter((e): e is Event.Message => e._tag === "Message")
      expect(got.length).toBe(2)
      expect(text(got.find((e) => e.conn === a))).toBe("text:from a")
      expect(text(got.find((e) => e.conn === b))).toBe("text:from b")
    })
  )

  it.live("a Ping → Pong control with the same payload; a Pong is ignored", () =>
    Effect.gen(function* () {
      const { events, controls, feed } = yield* setup
      const conn = fakeConn()
      yield* feed(attach(conn), SocketInput.Chunk(conn, concat(frame(Op.Ping, "p1"), frame(Op.Pong, "x"), frame(Op.Text, "t"))))
      const [pong] = yield* takeN(controls, 1)
      expect(pong!._tag).toBe("Pong")
      expect([...(pong as RuntimeMessage.Pong).data]).toEqual([..."p1"].map((c) => c.charCodeAt(0)))
      expect((yield* takeN(events, 2)).map(text)).toEqual(["Open", "text:t"])
    })
  )

  it.live("a Close frame → Closed event, then the PeerClose ending behind it; later bytes and EOF add nothing", () =>
    Effect.gen(function* () {
      const { events, controls, feed } = yield* setup
      const conn = fakeConn()
      yield* feed(
        attach(conn),
        SocketInput.Chunk(conn, concat(frame(Op.Close, closePayload(4000, "bye")), frame(Op.Text, "ignored"))),
        SocketInput.Eof(conn)
      )
      const got = yield* takeN(events, 3)
      expect(got.slice(1)).toEqual([{ _tag: "Closed", conn, code: 4000, reason: "bye", origin: "peer" }, ending("PeerClose", conn, 4000)])
      expect(Queue.sizeUnsafe(controls)).toBe(0)
      // Nothing else: a marker connection's Open is the next event.
      const marker = fakeConn()
      yield* feed(attach(marker))
      expect((yield* takeN(events, 1))[0]).toMatchObject({ _tag: "Open", conn: marker })
    })
  )

  it.live("a Close without a code is reported as 1005", () =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const conn = fakeConn()
      yield* feed(attach(conn), SocketInput.Chunk(conn, frame(Op.Close, new Uint8Array(0))))
      const got = yield* takeN(events, 3)
      expect(got[1]).toMatchObject({ _tag: "Closed", code: 1005, origin: "peer" })
      expect(got[2]).toEqual(ending("PeerClose", conn, 1005))
    })
  )

  it.live("an unmasked frame → Closed 1002 (origin protocol) to the handler, the Fail ending behind it", () =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const conn = fakeConn()
      yield* feed(attach(conn), SocketInput.Chunk(conn, frame(Op.Text, "no mask", { mask: undefined })))
      const got = yield* takeN(events, 3)
      expect(got[1]).toMatchObject({ _tag: "Closed", conn, code: 1002, origin: "protocol" })
      expect(got[2]).toMatchObject({ _tag: "Fail", to: conn, code: 1002 })
    })
  )

  it.live.each([
    ["invalid UTF-8 in a text message", 1007, frame(Op.Text, Uint8Array.of(0x68, 0xc3, 0x28))],
    ["a frame larger than maxFrameSize", 1009, frame(Op.Binary, new Uint8Array(1025))],
    [
      "a message larger than maxMessageSize",
      1009,
      concat(...Array.from({ length: 5 }, (_, i) => frame(i === 0 ? Op.Binary : Op.Cont, new Uint8Array(1000), { fin: i === 4 })))
    ],
    ["a reserved opcode", 1002, frame(3, "x")],
    ["a continuation without a message", 1002, frame(Op.Cont, "x")]
  ] as const)("%s → Closed and the Fail ending with %i", ([, code, bytes]) =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const conn = fakeConn()
      yield* feed(attach(conn))
      for (const c of split(bytes, [7])) yield* feed(SocketInput.Chunk(conn, c))
      const got = yield* takeN(events, 3)
      expect(got[1]).toMatchObject({ _tag: "Closed", code, origin: "protocol" })
      expect(got[2]).toMatchObject({ _tag: "Fail", code })
      // After a failure the connection's further bytes are ignored, and so is its end of TCP: it
      // had its one ending.
      yield* feed(SocketInput.Chunk(conn, frame(Op.Text, "late")), SocketInput.Eof(conn))
      const marker = fakeConn()
      yield* feed(attach(marker))
      expect((yield* takeN(events, 1))[0]).toMatchObject({ _tag: "Open", conn: marker })
    })
  )

  it.live("EOF without a Close → Closed 1006 (origin transport) and Gone; a socket error likewise", () =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const a = fakeConn()
      const b = fakeConn()
      yield* feed(
        attach(a),
        SocketInput.Chunk(a, frame(Op.Text, "half", { fin: false }).subarray(0, 5)), // vanishes mid-frame
        SocketInput.Eof(a),
        attach(b),
        SocketInput.SocketError(b, new Error("ECONNRESET"))
      )
      const got = yield* takeN(events, 6)
      expect(got).toEqual([
        { _tag: "Open", conn: a, data: undefined, request },
        { _tag: "Closed", conn: a, code: 1006, reason: "", origin: "transport" },
        ending("Gone", a, 1006),
        { _tag: "Open", conn: b, data: undefined, request },
        { _tag: "Closed", conn: b, code: 1006, reason: "", origin: "transport" },
        ending("Gone", b, 1006)
      ])
    })
  )

  it.live("a close the server started gives the handler its origin and code", () =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const idle = makeConnection({
        path: "/",
        query: "",
        protocol: undefined,
        extensions: [],
        remoteAddress: "test",
        variant: "rfc6455",
        node: "local"
      })
      const closed = makeConnection({
        path: "/",
        query: "",
        protocol: undefined,
        extensions: [],
        remoteAddress: "test",
        variant: "rfc6455",
        node: "local"
      })
      yield* feed(attach(idle), attach(closed))
      // What the sender notes when it starts the close (sender/closing.ts).
      idle.closing = { origin: "idle", code: 1001, reason: "idle timeout" }
      closed.closing = { origin: "server", code: 4000, reason: "bye" }
      yield* feed(SocketInput.Eof(idle), SocketInput.Chunk(closed, frame(Op.Close, closePayload(4000, "bye"))))
      const got = (yield* takeN(events, 6)).filter((e) => e._tag === "Closed")
      expect(got).toEqual([
        { _tag: "Closed", conn: idle, code: 1001, reason: "idle timeout", origin: "idle" },
        { _tag: "Closed", conn: closed, code: 4000, reason: "bye", origin: "server" }
      ])
      // The record tells the socket receiver the Close was reported (its end of TCP then adds
      // nothing); a TCP end without a Close was itself that end.
      expect(closed.inputEnded).toBe(true)
      expect(idle.inputEnded).toBe(false)
    })
  )

  it.live("chunks for an unknown connection are ignored", () =>
    Effect.gen(function* () {
      const { events, controls, feed } = yield* setup
      const ghost = fakeConn()
      const conn = fakeConn()
      yield* feed(SocketInput.Chunk(ghost, frame(Op.Text, "boo")), SocketInput.Eof(ghost), attach(conn))
      expect((yield* takeN(events, 1))[0]).toMatchObject({ _tag: "Open", conn })
      expect(Queue.sizeUnsafe(events)).toBe(0)
      expect(Queue.sizeUnsafe(controls)).toBe(0)
    })
  )

  it.live("every chunk's credit is released once it is decoded (per-connection inbound allowance)", () =>
    Effect.gen(function* () {
      const { events, feed } = yield* setup
      const conn = fakeConn()
      const released: Array<number> = []
      const credit = { release: (n: number) => void released.push(n) }
      const chunks = split(frame(Op.Text, "credit me"), [4, 4])
      yield* feed(attach(conn), ...chunks.map((c) => SocketInput.Chunk(conn, c, credit)))
      expect((yield* takeN(events, 2)).map(text)).toEqual(["Open", "text:credit me"])
      expect(released).toEqual(chunks.map((c) => c.byteLength))
    })
  )
})
