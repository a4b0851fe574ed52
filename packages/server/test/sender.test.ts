/**
 * The sender actor alone: `Register`ed in-memory out queues, commands in, framed bytes
 * out. Routing, framing once, the close handshake, and the slow-consumer policy (it never waits
 * on a full out queue).
 */
import { Frame } from "@wspipe/codec"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Queue } from "effect"
import { Command, Metrics } from "../src/index.js"
import { Recorder, sender, type SenderOptions } from "../src/internal.js"
import { record } from "../src/connection/connection.js"
import * as RuntimeMessage from "../src/messages/runtime-message.js"
import * as Framing from "../src/actors/sender/framing.js"
import { End, type Outbound } from "../src/messages/outbound.js"
import { fakeConn, fakeLink, takeN } from "./support/actors.js"
import { decodeFrames, Op, parseClose } from "./support/frames.js"

const defaultOptions: SenderOptions = {
  fragmentSize: undefined,
  closeTimeoutMs: 5_000,
  slowConsumer: "close",
  outboundBufferLimit: 4 * 1024 * 1024,
  outboundQueueCapacity: 64
}

/** A running sender with `count` registered in-memory links (capacity per link, or one for all). */
const setup = (count: number, options: Partial<SenderOptions> = {}, capacity: number | ReadonlyArray<number> = 64) =>
  Effect.gen(function* () {
    const inbox = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(1024)
    const capacities = Array.from({ length: count }, (_, i) => (typeof capacity === "number" ? capacity : capacity[i]!))
    // The sender's idea of the queue capacity matches the links' (as in join.ts).
    yield* Effect.forkChild(sender(inbox, { ...defaultOptions, outboundQueueCapacity: Math.min(...capacities), ...options }))
    const peers = []
    for (let i = 0; i < count; i++) {
      const conn = fakeConn()
      const link = yield* fakeLink(capacities[i]!)
      peers.push({ conn, link })
    }
    yield* Queue.offerAll(
      inbox,
      peers.map((p) => RuntimeMessage.Register(p.conn, p.link, Framing.rfc6455))
    )
    const give = (...commands: Array<Command.Command | RuntimeMessage.RuntimeMessage>) => Queue.offerAll(inbox, commands)
    return { inbox, peers, give }
  })

/** The text of a single unfragmented text frame. */
const textOf = (item: Outbound | undefined): string => {
  if (!(item instanceof Uint8Array)) return `<${item?._tag}>`
  const [f] = decodeFrames(item)
  return f!.opcode === Op.Text ? new TextDecoder().decode(f!.payload) : `<opcode ${f!.opcode}>`
}

const next = (link: { out: Queue.Queue<Outbound> }) => Effect.map(takeN(link.out, 1), (items) => items[0]!)

/** The item as header + payload (`Parts`); any other form fails the test. */
const partsOf = (item: Outbound | undefined) => {
  if (item instanceof Uint8Array || item?._tag !== "Parts") throw new Error(`expected Parts, got ${String(item)}`)
  return item
}

describe("sender actor", () => {
  it.live("unicast reaches the one connection; a marker proves the others got nothing", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b, c],
        give
      } = yield* setup(3)
      yield* give(Command.unicast(b!.conn, "for b"), Command.unicast(a!.conn, "marker a"), Command.unicast(c!.conn, "marker c"))
      expect(textOf(yield* next(b!.link))).toBe("for b")
      expect(textOf(yield* next(a!.link))).toBe("marker a")
      expect(textOf(yield* next(c!.link))).toBe("marker c")
    })
  )

  it.live("broadcast skips the source; broadcast-all does not; both are framed ONCE (same Uint8Array)", () =>
    Effect.gen(function* () {
      const { peers, give } = yield* setup(3)
      const [a, b, c] = peers
      yield* give(Command.broadcast(a!.conn, "to others"), Command.unicast(a!.conn, "marker"))
      const toB = yield* next(b!.link)
      const toC = yield* next(c!.link)
      expect(textOf(toB)).toBe("to others")
      expect(toC).toBe(toB) // the same instance: framed once
      expect(textOf(yield* next(a!.link))).toBe("marker")

      yield* give(Command.broadcastAll(new Uint8Array([1, 2, 3])))
      const all = [yield* next(a!.link), yield* next(b!.link), yield* next(c!.link)]
      expect(all[1]).toBe(all[0])
      expect(all[2]).toBe(all[0])
      expect(decodeFrames(all[0] as Uint8Array)).toEqual([{ fin: true, opcode: Op.Binary, payload: Uint8Array.of(1, 2, 3) }])
    })
  )

  it.live("a large message goes out as header + the payload itself (no copy), framed once for all", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b],
        give
      } = yield* setup(2)
      const payload = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff)
      yield* give(Command.broadcastAll(payload))
      const toA = yield* next(a!.link)
      const toB = yield* next(b!.link)
      expect(toB).toBe(toA)
      expect(partsOf(toA).payload).toBe(payload)
      // 0x82, 127 + 64-bit length 70000 (RFC 6455 §5.2)
      expect([...partsOf(toA).header]).toEqual([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70])
    })
  )

  it.live("from the size Node's pool stops serving, a payload is not copied; below it, one pooled frame", () =>
    Effect.gen(function* () {
      const {
        peers: [a],
        give
      } = yield* setup(1)
      // Buffer.allocUnsafe serves sizes below poolSize / 2 from its pool; a frame of 4 KiB + its
      // 4-byte header would be an ArrayBuffer of its own, so it is sent as header + payload.
      const firstUncopied = (Buffer.poolSize >>> 1) - 4
      const big = new Uint8Array(firstUncopied).fill(7)
      const small = new Uint8Array(firstUncopied - 1).fill(9)
      yield* give(Command.unicast(a!.conn, big), Command.unicast(a!.conn, small))
      const bigOut = partsOf(yield* next(a!.link))
      expect(bigOut.payload).toBe(big)
      // 0x82, 126 + 16-bit length (RFC 6455 §5.2)
      expect([...bigOut.header]).toEqual([0x82, 0x7e, firstUncopied >> 8, firstUncopied & 0xff])
      const smallOut = yield* next(a!.link)
      if (!(smallOut instanceof Uint8Array)) throw new Error(`expected one buffer, got ${String(smallOut)}`)
      expect(decodeFrames(smallOut)).toEqual([{ fin: true, opcode: Op.Binary, payload: small }])
      expect(smallOut.buffer.byteLength).toBe(Buffer.poolSize) // a slice of the pool, not a buffer of its own
    })
  )

  it.live("topics: subscribe, publish (with and without except), unsubscribe", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b, c],
        give
      } = yield* setup(3)
      yield* give(
        Command.subscribe(a!.conn, "t"),
        Command.subscribe(b!.conn, "t"),
        Command.subscribe(b!.conn, "t"), // twice is once
        Command.publish("t", "one"),
        Command.publish("t", "two", a!.conn),
        Command.unsubscribe(b!.conn, "t"),
        Command.publish("t", "three"),
        Command.publish("nobody-here", "lost"),
        Command.unicast(a!.conn, "end a"),
        Command.unicast(b!.conn, "end b"),
        Command.unicast(c!.conn, "end c")
      )
      expect((yield* takeN(a!.link.out, 3)).map(textOf)).toEqual(["one", "three", "end a"])
      const forB = yield* takeN(b!.link.out, 3)
      expect(forB.map(textOf)).toEqual(["one", "two", "end b"])
      expect(textOf(yield* next(c!.link))).toBe("end c")
      expect(Queue.sizeUnsafe(a!.link.out)).toBe(0)
    })
  )

  it.live("a pre-framed message passes through as the very same bytes", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b],
        give
      } = yield* setup(2)
      const frame = Frame.text("pre")
      yield* give(Command.unicast(a!.conn, frame), Command.broadcast(a!.conn, frame))
      expect(yield* next(a!.link)).toBe(frame.bytes)
      expect(yield* next(b!.link)).toBe(frame.bytes)
    })
  )

  it.live("fragmentSize splits outgoing messages (RFC 6455 §5.4)", () =>
    Effect.gen(function* () {
      const {
        peers: [a],
        give
      } = yield* setup(1, { fragmentSize: 4 })
      yield* give(Command.unicast(a!.conn, "abcdefghij"))
      const frames = decodeFrames((yield* next(a!.link)) as Uint8Array)
      expect(frames.map((f) => [f.fin, f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
        [false, Op.Text, "abcd"],
        [false, Op.Cont, "efgh"],
        [true, Op.Cont, "ij"]
      ])
    })
  )

  it.live("Ping and Pong controls are framed with their payload", () =>
    Effect.gen(function* () {
      const {
        peers: [a],
        give
      } = yield* setup(1)
      yield* give(Command.ping(a!.conn, Uint8Array.of(1, 2)), RuntimeMessage.Pong(a!.conn, Uint8Array.of(3)))
      const [ping, pong] = yield* takeN(a!.link.out, 2)
      expect(decodeFrames(ping as Uint8Array)).toEqual([{ fin: true, opcode: Op.Ping, payload: Uint8Array.of(1, 2) }])
      expect(decodeFrames(pong as Uint8Array)).toEqual([{ fin: true, opcode: Op.Pong, payload: Uint8Array.of(3) }])
    })
  )

  it.live("a peer's Close: what came before its ending goes out first, then the echo with its code, then End; nothing after", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b, c],
        give
      } = yield* setup(3)
      // The ending reaches the sender behind the handler's replies (Inbox): "reply" comes first.
      yield* give(Command.unicast(a!.conn, "reply"), RuntimeMessage.PeerClose(a!.conn, 4000), RuntimeMessage.PeerClose(b!.conn, 1005))
      const [reply, close, end] = yield* takeN(a!.link.out, 3)
      expect(textOf(reply)).toBe("reply")
      const [f] = decodeFrames(close as Uint8Array)
      expect(f!.opcode).toBe(Op.Close)
      expect(parseClose(f!.payload)).toEqual({ code: 4000, reason: "" })
      expect(end).toBe(End)
      // A Close without a code is answered without one.
      const [closeB, endB] = yield* takeN(b!.link.out, 2)
      expect([...(closeB as Uint8Array)]).toEqual([0x88, 0x00])
      expect(endB).toBe(End)
      // After End nothing more is queued for a (the marker to c proves the command was routed).
      yield* give(Command.unicast(a!.conn, "too late"), Command.broadcastAll("to all"), Command.unicast(c!.conn, "marker"))
      expect((yield* takeN(c!.link.out, 2)).map(textOf)).toEqual(["to all", "marker"])
      expect(Queue.sizeUnsafe(a!.link.out)).toBe(0)
      expect(Queue.sizeUnsafe(b!.link.out)).toBe(0)
    })
  )

  it.live("an ending is carried out at its place in the inbox, in the same batch as what surrounds it: no waiting, no polling", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b],
        give
      } = yield* setup(2)
      yield* give(
        Command.unicast(a!.conn, "before"),
        RuntimeMessage.Gone(a!.conn),
        Command.unicast(a!.conn, "after"),
        Command.unicast(b!.conn, "marker")
      )
      const [before, end] = yield* takeN(a!.link.out, 2)
      expect(textOf(before)).toBe("before")
      expect(end).toBe(End)
      expect(textOf(yield* next(b!.link))).toBe("marker")
      // One wake-up each: the ending did not make the sender come back for a second pass.
      expect(a!.link.wakes).toBe(1)
      expect(Queue.sizeUnsafe(a!.link.out)).toBe(0)
    })
  )

  it.live("Close: sends our Close, stops data after it, and drops TCP when the peer does not answer in time", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b],
        give
      } = yield* setup(2, { closeTimeoutMs: 50 })
      yield* give(
        Command.close(a!.conn, 4001, "bye"),
        Command.unicast(a!.conn, "after close"),
        Command.broadcastAll("to all"),
        Command.close(a!.conn, 4002, "twice")
      )
      const [f] = decodeFrames((yield* next(a!.link)) as Uint8Array)
      expect(parseClose(f!.payload)).toEqual({ code: 4001, reason: "bye" })
      expect(textOf(yield* next(b!.link))).toBe("to all")
      yield* Effect.sleep("150 millis")
      expect(Queue.sizeUnsafe(a!.link.out)).toBe(0)
      expect(a!.link.destroyed).toBe(1)
      expect(b!.link.destroyed).toBe(0)
    })
  )

  it.live("Close answered by the peer in time: End, and no drop", () =>
    Effect.gen(function* () {
      const {
        peers: [a],
        give
      } = yield* setup(1, { closeTimeoutMs: 300 })
      yield* give(Command.close(a!.conn, 4001, "bye"))
      yield* next(a!.link)
      yield* give(RuntimeMessage.PeerClose(a!.conn, 4001))
      expect(yield* next(a!.link)).toBe(End) // our Close was sent: no second Close
      yield* Effect.sleep("400 millis")
      expect(a!.link.destroyed).toBe(0)
    })
  )

  it.live("Fail sends Close with the code after what was already routed, then End, and forgets the connection", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b],
        give
      } = yield* setup(2)
      yield* give(
        Command.subscribe(a!.conn, "t"),
        Command.publish("t", "x"),
        Command.broadcastAll("y"),
        RuntimeMessage.Fail(a!.conn, 1002, "bad frame")
      )
      const [x, y, close, end] = yield* takeN(a!.link.out, 4)
      expect([textOf(x), textOf(y)]).toEqual(["x", "y"])
      expect(parseClose(decodeFrames(close as Uint8Array)[0]!.payload)).toEqual({ code: 1002, reason: "bad frame" })
      expect(end).toBe(End)
      expect(textOf(yield* next(b!.link))).toBe("y")
      // Forgotten, topics included.
      yield* give(Command.publish("t", "z"), Command.broadcastAll("w"))
      expect(textOf(yield* next(b!.link))).toBe("w")
      expect(Queue.sizeUnsafe(a!.link.out)).toBe(0)
    })
  )

  it.live("Gone queues End; CloseAll closes everyone left with the code", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b, c],
        give
      } = yield* setup(3)
      yield* give(RuntimeMessage.Gone(a!.conn))
      expect(yield* next(a!.link)).toBe(End)
      yield* give(RuntimeMessage.CloseAll(1001, "shutdown"))
      for (const p of [b!, c!]) {
        expect(parseClose(decodeFrames((yield* next(p.link)) as Uint8Array)[0]!.payload)).toEqual({ code: 1001, reason: "shutdown" })
      }
      expect(Queue.sizeUnsafe(a!.link.out)).toBe(0)
    })
  )

  it.live('a full out queue with policy "close": abort(1008, …) for that client only; the sender goes on', () =>
    Effect.gen(function* () {
      const {
        peers: [slow, fast],
        give
      } = yield* setup(2, {}, [2, 64])
      yield* give(Command.broadcastAll("1"), Command.broadcastAll("2"))
      // `slow` never reads: its queue (capacity 2) is now full. `fast` reads.
      expect((yield* takeN(fast!.link.out, 2)).map(textOf)).toEqual(["1", "2"])
      yield* give(Command.broadcastAll("3"))
      expect(textOf(yield* next(fast!.link))).toBe("3")
      expect(slow!.link.aborts).toEqual([{ code: 1008, reason: expect.stringMatching(/slow consumer/) }])
      // The slow client is forgotten: later messages go to the others only.
      yield* give(Command.broadcastAll("4"), Command.unicast(slow!.conn, "x"))
      expect(textOf(yield* next(fast!.link))).toBe("4")
      expect(slow!.link.aborts.length).toBe(1)
      expect(Queue.sizeUnsafe(slow!.link.out)).toBe(2)
    })
  )

  it.live('a full out queue with policy "drop": the message is dropped for that client, others receive', () =>
    Effect.gen(function* () {
      const {
        peers: [slow, fast],
        give
      } = yield* setup(2, { slowConsumer: "drop" }, [2, 64])
      yield* give(Command.broadcastAll("1"), Command.broadcastAll("2"), Command.broadcastAll("3"))
      expect((yield* takeN(fast!.link.out, 3)).map(textOf)).toEqual(["1", "2", "3"])
      expect((yield* takeN(slow!.link.out, 2)).map(textOf)).toEqual(["1", "2"]) // "3" was dropped
      yield* give(Command.unicast(slow!.conn, "4"))
      expect(textOf(yield* next(slow!.link))).toBe("4") // still connected
      expect(slow!.link.aborts).toEqual([])
    })
  )

  it.live("the sender never suspends on a full out queue: many commands for a stuck client do not block others", () =>
    Effect.gen(function* () {
      const {
        peers: [stuck, ok],
        give
      } = yield* setup(2, { slowConsumer: "drop" }, [1, 1024])
      for (let i = 0; i < 200; i++) yield* give(Command.unicast(stuck!.conn, `s${i}`), Command.unicast(ok!.conn, `o${i}`))
      const got = yield* takeN(ok!.link.out, 200)
      expect(got.map(textOf)).toEqual(Array.from({ length: 200 }, (_, i) => `o${i}`))
    })
  )

  it.live("the socket sender is woken after frames were queued for it, not for other clients", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b],
        give
      } = yield* setup(2)
      yield* give(Command.unicast(a!.conn, "x"))
      yield* next(a!.link)
      expect(a!.link.wakes).toBeGreaterThanOrEqual(1)
      expect(b!.link.wakes).toBe(0)
    })
  )

  it.live("an invalid Close command (bad code, reason over 123 bytes) closes with 1011 instead", () =>
    Effect.gen(function* () {
      const {
        peers: [a, b, c],
        give
      } = yield* setup(3)
      yield* give(
        Command.close(a!.conn, 999, "bad code"),
        Command.close(b!.conn, 1006, ""),
        Command.close(c!.conn, 4000, "é".repeat(62)) // 124 bytes
      )
      for (const p of [a!, b!, c!]) {
        const [f] = decodeFrames((yield* next(p.link)) as Uint8Array)
        expect(f!.opcode).toBe(Op.Close)
        expect(f!.payload.length).toBeLessThanOrEqual(125)
        expect(parseClose(f!.payload).code).toBe(1011)
      }
    })
  )

  it.live("a Ping command with more than 125 bytes is not framed", () =>
    Effect.gen(function* () {
      const {
        peers: [a],
        give
      } = yield* setup(1)
      yield* give(Command.ping(a!.conn, new Uint8Array(126)), Command.ping(a!.conn, new Uint8Array(125)))
      const [f] = decodeFrames((yield* next(a!.link)) as Uint8Array)
      expect(f!.opcode).toBe(Op.Ping)
      expect(f!.payload.length).toBe(125)
    })
  )

  it.live("the byte limit: a client with outboundBufferLimit bytes waiting is closed with 1008 (policy close)", () =>
    Effect.gen(function* () {
      const {
        peers: [slow, ok],
        give
      } = yield* setup(2, { outboundBufferLimit: 1000 })
      yield* give(Command.unicast(slow!.conn, "fits"))
      expect(textOf(yield* next(slow!.link))).toBe("fits")
      expect(slow!.link.enqueuedBytes).toBe(6) // 2-byte header + 4
      slow!.link.socketBytes = 1000 // the socket has not written what it was given
      yield* give(Command.broadcastAll("more"))
      expect(textOf(yield* next(ok!.link))).toBe("more")
      expect(slow!.link.aborts).toEqual([{ code: 1008, reason: expect.stringMatching(/slow consumer/) }])
      expect(Queue.sizeUnsafe(slow!.link.out)).toBe(0)
    })
  )

  it.live("the byte limit with policy drop: data frames are dropped, control frames still go out", () =>
    Effect.gen(function* () {
      const {
        peers: [slow, ok],
        give
      } = yield* setup(2, { outboundBufferLimit: 1000, slowConsumer: "drop" })
      slow!.link.socketBytes = 5000
      yield* give(Command.broadcastAll("data"), Command.ping(slow!.conn, Uint8Array.of(1)), Command.close(slow!.conn, 4000, "bye"))
      expect(textOf(yield* next(ok!.link))).toBe("data")
      const [ping, close] = yield* takeN(slow!.link.out, 2)
      expect(decodeFrames(ping as Uint8Array)[0]!.opcode).toBe(Op.Ping)
      expect(parseClose(decodeFrames(close as Uint8Array)[0]!.payload)).toEqual({ code: 4000, reason: "bye" })
      expect(slow!.link.aborts).toEqual([])
    })
  )

  it.live("a single message larger than the byte limit still goes to a client that keeps up", () =>
    Effect.gen(function* () {
      const {
        peers: [a],
        give
      } = yield* setup(1, { outboundBufferLimit: 100 })
      yield* give(Command.unicast(a!.conn, new Uint8Array(500)))
      const [f] = decodeFrames((yield* next(a!.link)) as Uint8Array)
      expect(f!.payload.length).toBe(500)
      expect(a!.link.aborts).toEqual([])
    })
  )
})

describe("sender actor: the idle watch's verdict", () => {
  it.live(
    "IdleTimeout aborts the connection once with 1001 and forgets it: later frames are neither queued nor counted as a slow consumer",
    () =>
      Effect.gen(function* () {
        const slowBefore = Number((yield* Metric.value(Metrics.metrics.slowConsumerCloses)).count)
        const idleBefore = Number((yield* Metric.value(Metrics.metrics.idleCloses)).count)
        const inbox = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(64)
        yield* Effect.forkChild(sender(inbox, defaultOptions, new Recorder(yield* Effect.context<never>())))
        const [a, b] = [fakeConn(), fakeConn()]
        const [linkA, linkB] = [yield* fakeLink(), yield* fakeLink()]
        yield* Queue.offerAll(inbox, [
          RuntimeMessage.Register(a, linkA, Framing.rfc6455),
          RuntimeMessage.Register(b, linkB, Framing.rfc6455)
        ])
        yield* Queue.offerAll(inbox, [RuntimeMessage.IdleTimeout(a), Command.broadcastAll("after"), Command.unicast(a, "to a")])
        expect(textOf(yield* next(linkB))).toBe("after")
        expect(linkA.aborts).toEqual([{ code: 1001, reason: "idle timeout: no answer to ping" }])
        expect(Queue.sizeUnsafe(linkA.out)).toBe(0)
        expect(Number((yield* Metric.value(Metrics.metrics.slowConsumerCloses)).count)).toBe(slowBefore)
        expect(Number((yield* Metric.value(Metrics.metrics.idleCloses)).count)).toBe(idleBefore + 1)
        expect(record(a).closing).toEqual({ origin: "idle", code: 1001, reason: "idle timeout: no answer to ping" })
      })
  )
})

describe("sender actor: one framing per protocol in use", () => {
  it.live("a broadcast to 3 RFC 6455 and 3 draft-76 connections is framed twice: one shared buffer per protocol", () =>
    Effect.gen(function* () {
      const inbox = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(64)
      yield* Effect.forkChild(sender(inbox, defaultOptions))
      const peers = []
      for (let i = 0; i < 6; i++) {
        const framing = i < 3 ? Framing.rfc6455 : Framing.hixie76
        const peer = { conn: fakeConn(), link: yield* fakeLink(), framing }
        peers.push(peer)
        yield* Queue.offer(inbox, RuntimeMessage.Register(peer.conn, peer.link, framing))
      }
      yield* Queue.offer(inbox, Command.broadcastAll("news"))
      const got = []
      for (const p of peers) got.push(yield* next(p.link))
      expect(new Set(got).size).toBe(2)
      expect(got[1]).toBe(got[0])
      expect(got[2]).toBe(got[0])
      expect(got[4]).toBe(got[3])
      expect(got[5]).toBe(got[3])
      expect([...(got[0] as Uint8Array)]).toEqual([0x81, 4, ...new TextEncoder().encode("news")])
      expect([...(got[3] as Uint8Array)]).toEqual([0x00, ...new TextEncoder().encode("news"), 0xff])
    })
  )
})
