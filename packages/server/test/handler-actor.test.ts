/**
 * Handler fibers alone with two in-memory queues: the echo app's handler turns
 * `Message` events into `Unicast` commands, in order and batched, and ignores the rest.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { chat } from "../../../apps/chat/src/chat.js"
import { type Command, Event, Inbox } from "../src/index.js"
import { fakeConn, fakeRequest, takeN } from "./support/actors.js"

const bytes = (s: string) => new TextEncoder().encode(s)

const run = (handler: typeof echo) =>
  Effect.gen(function* () {
    const out = yield* Queue.bounded<Command.Command>(64)
    const handlerInbox = yield* Inbox.make<Event.Event>(64, out)
    yield* Effect.forkChild(handler.run(handlerInbox, out))
    return { inbox: Inbox.offerTo(handlerInbox), out }
  })

describe("handler fibers with in-memory queues", () => {
  it.live("echo: each Message becomes a Unicast of that message to its connection; Open/Closed give nothing", () =>
    Effect.gen(function* () {
      const { inbox, out } = yield* run(echo)
      const a = fakeConn()
      const b = fakeConn()
      const m1 = Event.Message(a, "text", bytes("one"))
      const m2 = Event.Message(b, "binary", Uint8Array.of(1, 2))
      const m3 = Event.Message(a, "text", bytes("three"))
      yield* Queue.offerAll(inbox, [
        Event.Open(a, undefined, fakeRequest()),
        Event.Open(b, undefined, fakeRequest()),
        m1,
        m2,
        Event.Closed(b, 1000, "", "peer"),
        m3
      ])
      const got = yield* takeN(out, 3)
      expect(got).toEqual([
        { _tag: "Unicast", to: a, message: m1 },
        { _tag: "Unicast", to: b, message: m2 },
        { _tag: "Unicast", to: a, message: m3 }
      ])
      // The message object itself is passed on: nothing decoded or copied.
      expect((got[0] as Command.Unicast).message).toBe(m1)
      yield* Effect.sleep("20 millis")
      expect(Queue.sizeUnsafe(out)).toBe(0)
    })
  )

  it.live("echo keeps order across many batches", () =>
    Effect.gen(function* () {
      const { inbox, out } = yield* run(echo)
      const a = fakeConn()
      const sent = Array.from({ length: 500 }, (_, i) => Event.Message(a, "text", bytes(String(i))))
      yield* Effect.forkChild(Effect.forEach(sent, (m) => Queue.offer(inbox, m), { discard: true }))
      const got = yield* takeN(out, 500)
      expect(got.map((c) => (c as Command.Unicast).message)).toEqual(sent)
    })
  )

  it.live("chat: plain messages broadcast except the source; /join, /leave, /to become topic commands", () =>
    Effect.gen(function* () {
      const { inbox, out } = yield* run(chat)
      const a = fakeConn()
      const hello = Event.Message(a, "text", bytes("hello"))
      const bin = Event.Message(a, "binary", bytes("/join x")) // binary is never a command
      yield* Queue.offerAll(inbox, [
        hello,
        Event.Message(a, "text", bytes("/join room")),
        Event.Message(a, "text", bytes("/to room hi there")),
        Event.Message(a, "text", bytes("/leave room")),
        bin
      ])
      expect(yield* takeN(out, 5)).toEqual([
        { _tag: "Broadcast", except: a, message: hello },
        { _tag: "Subscribe", conn: a, topic: "room" },
        { _tag: "Publish", topic: "room", message: "hi there", except: a },
        { _tag: "Unsubscribe", conn: a, topic: "room" },
        { _tag: "Broadcast", except: a, message: bin }
      ])
    })
  )
})
