/**
 * The bundled apps' handlers over real sockets. Echo: every message back to its sender, kind
 * kept. Chat: every message to all other clients; `/join t`, `/leave t`; `/to t text` to the
 * topic's members other than the sender.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { chat, parseChatLine } from "../../../apps/chat/src/chat.js"
import { echo } from "../../../apps/echo/src/echo.js"
import { type Client, connect } from "./support/client.js"
import { start } from "./support/server.js"

/** Everyone else hears `from`'s sync broadcast: `from`'s earlier commands have been routed. */
const sync = (from: Client, others: ReadonlyArray<Client>, tag: string) =>
  Effect.gen(function* () {
    yield* from.send(tag)
    for (const o of others) expect(yield* o.nextText()).toBe(tag)
  })

describe("echo app", () => {
  it.live("echoes to the sender only, text as text and binary as binary", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const a = yield* connect(url)
      const b = yield* connect(url)
      yield* a.send("hello")
      yield* a.send(Buffer.from([9, 8, 7]))
      expect(yield* a.nextText()).toBe("hello")
      const bin = yield* a.next()
      expect(bin.isBinary).toBe(true)
      expect([...bin.data]).toEqual([9, 8, 7])
      yield* b.send("b's own")
      expect(yield* b.nextText()).toBe("b's own") // not a's messages first
    })
  )
})

describe("chat app", () => {
  it("parseChatLine knows the three commands and nothing else", () => {
    expect(parseChatLine("/join t")).toEqual({ _tag: "Join", topic: "t" })
    expect(parseChatLine("/leave t")).toEqual({ _tag: "Leave", topic: "t" })
    expect(parseChatLine("/to t hello there")).toEqual({ _tag: "To", topic: "t", text: "hello there" })
    expect(parseChatLine("/join")).toBeUndefined()
    expect(parseChatLine("hello /join t")).toBeUndefined()
  })

  it.live("a message goes to every other client, never back to its sender", () =>
    Effect.gen(function* () {
      const { url } = yield* start(chat)
      const [a, b, c] = [yield* connect(url), yield* connect(url), yield* connect(url)]
      yield* a.send("hi all")
      expect(yield* b.nextText()).toBe("hi all")
      expect(yield* c.nextText()).toBe("hi all")
      // b's broadcast is routed after a's: had a received its own, that would come first.
      yield* b.send("from b")
      expect(yield* a.nextText()).toBe("from b")
      expect(yield* c.nextText()).toBe("from b")
      // Binary is broadcast unchanged.
      yield* c.send(Buffer.from([1, 2, 3]))
      for (const x of [a, b]) {
        const m = yield* x.next()
        expect(m.isBinary).toBe(true)
        expect([...m.data]).toEqual([1, 2, 3])
      }
    })
  )

  it.live("/join, /to and /leave: a topic message reaches its other members only", () =>
    Effect.gen(function* () {
      const { url } = yield* start(chat)
      const [a, b, c, d] = [yield* connect(url), yield* connect(url), yield* connect(url), yield* connect(url)]
      yield* a.send("/join t")
      yield* b.send("/join t")
      yield* c.send("/join t")
      // The commands are not broadcast: the sync messages are the first thing anyone gets.
      yield* sync(a, [b, c, d], "a joined")
      yield* sync(b, [a, c, d], "b joined")
      yield* sync(c, [a, b, d], "c joined")

      yield* a.send("/to t hello topic")
      expect(yield* b.nextText()).toBe("hello topic")
      expect(yield* c.nextText()).toBe("hello topic")
      // a (the sender) and d (not a member) got nothing: the next broadcast comes first.
      yield* sync(b, [a, c, d], "after to")

      yield* b.send("/leave t")
      yield* sync(b, [a, c, d], "b left")
      yield* a.send("/to t second")
      expect(yield* c.nextText()).toBe("second")
      yield* sync(c, [a, b, d], "after second")

      // A non-member may send to the topic; it is not a member afterwards.
      yield* d.send("/to t from outside")
      expect(yield* a.nextText()).toBe("from outside")
      expect(yield* c.nextText()).toBe("from outside")
      yield* sync(a, [b, c, d], "end")
    })
  )
})
