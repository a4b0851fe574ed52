// packages/server/test/rate-limit-stage.test.ts
// An actor tested alone: in-memory queues, a made-up connection, the test clock. No socket.
import { describe, expect, it } from "@effect/vitest"
import { type Connection, Event, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"
import { TestClock } from "effect/testing"
import { rateLimit } from "../examples/rate-limit.js"
import type { Refused } from "../examples/refused.js"

const conn: Connection = {
  id: 1,
  path: "/",
  query: "",
  protocol: undefined,
  extensions: [],
  remoteAddress: "test",
  variant: "rfc6455",
  node: "local"
}
const message = (text: string) => Event.Message(conn, "text", new TextEncoder().encode(text))

describe("rateLimit", () => {
  it.effect("passes a burst, drops the rest, refills with time", () =>
    Effect.gen(function* () {
      const output = yield* Queue.bounded<Event.Event | Refused>(16)
      const input = yield* Inbox.make<Event.Event>(16, output)
      const limiter = rateLimit({ burst: 2, perSecond: 1, onFlood: "drop" })
      yield* Effect.forkChild(limiter.run(input, output))

      yield* Queue.offerAll(Inbox.offerTo(input), [message("a"), message("b"), message("c")])
      const passed = [yield* Queue.take(output), yield* Queue.take(output)]
      expect(passed.map((e) => (e._tag === "Message" ? Event.text(e) : e._tag))).toEqual(["a", "b"])
      expect(limiter.dropped()).toBe(1)

      yield* TestClock.adjust("1 second") // one token back
      yield* Queue.offer(Inbox.offerTo(input), message("d"))
      const later = yield* Queue.take(output)
      expect(later._tag === "Message" && Event.text(later)).toBe("d")
    })
  )

  it.effect("asks the handler to close a flooding connection, once", () =>
    Effect.gen(function* () {
      const output = yield* Queue.bounded<Event.Event | Refused>(16)
      const input = yield* Inbox.make<Event.Event>(16, output)
      yield* Effect.forkChild(rateLimit({ burst: 1, perSecond: 1, onFlood: "close" }).run(input, output))

      yield* Queue.offerAll(Inbox.offerTo(input), [message("a"), message("b"), message("c")])
      const first = yield* Queue.take(output)
      const second = yield* Queue.take(output)
      expect(first._tag).toBe("Message")
      expect(second).toMatchObject({ _tag: "Refused", code: 1008 })
      expect(Queue.sizeUnsafe(output)).toBe(0)
    })
  )
})
