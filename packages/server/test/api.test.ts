/**
 * The public API over real sockets: `Server.layer` (the running server as a service), a handler
 * that needs a service of its own (`R`, provided to `listen`), the callback API's topics and
 * broadcasts, and `Event.Closed`'s origin for each way a connection ends.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Queue } from "effect"
import { chat } from "../examples/callbacks-chat.js"
import { Callbacks, Command, type Event, Handler, Inbox, Server } from "../src/index.js"
import { connect, waitUntil } from "./support/client.js"
import { start } from "./support/server.js"

/** A service a handler needs (a database, a clock, a user directory…). */
class Greeting extends Context.Service<Greeting, { readonly greet: (name: string) => string }>()("test/Greeting") {}

const greeter = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const { greet } = yield* Greeting
        const events = yield* Inbox.takeAll(inbox)
        const out = events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, greet(new TextDecoder().decode(e.data)))] : []))
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      })
    ),
  { name: "greeter" }
)

describe("Server.layer and handler services", () => {
  it.live("a handler that needs a service gets it from listen's environment", () =>
    Effect.gen(function* () {
      const { url } = yield* start(greeter).pipe(Effect.provideService(Greeting, { greet: (name) => `hello ${name}` }))
      const client = yield* connect(url)
      yield* client.send("ann")
      expect(yield* client.nextText()).toBe("hello ann")
    })
  )

  it.live("Server.layer provides the running server; the handler's service comes from the layer's input", () =>
    Effect.gen(function* () {
      const greetings = Layer.succeed(Greeting, { greet: (name: string) => `hi ${name}` })
      const serverLayer = Server.layer(greeter, { port: 0 }).pipe(Layer.provide(greetings))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* Server.WsServer
          const client = yield* connect(server.url!)
          yield* client.send("bob")
          expect(yield* client.nextText()).toBe("hi bob")
          // The service can send from anywhere in the program.
          yield* server.command(Command.broadcastAll("to everyone"))
          expect(yield* client.nextText()).toBe("to everyone")
          expect(server.connections()).toBe(1)
        }).pipe(Effect.provide(serverLayer))
      )
    })
  )

  it.live("a callback's Effect may need the handler's services too", () =>
    Effect.gen(function* () {
      const handler = Callbacks.make({
        message: (data, state: undefined) =>
          Effect.gen(function* () {
            const { greet } = yield* Greeting
            yield* Callbacks.write(greet(String(data)))
            return state
          })
      })
      const { url } = yield* start(handler).pipe(Effect.provideService(Greeting, { greet: (name) => `hey ${name}` }))
      const client = yield* connect(url)
      yield* client.send("cy")
      expect(yield* client.nextText()).toBe("hey cy")
    })
  )
})

describe("topics and broadcasts from callbacks", () => {
  it.live("broadcast skips the sender; a room reaches its members but the speaker; leaving stops it", () =>
    Effect.gen(function* () {
      const { url } = yield* start(chat)
      const [a, b, c] = [yield* connect(url), yield* connect(url), yield* connect(url)]
      yield* a.send("hello")
      expect(yield* b.nextText()).toBe("hello")
      expect(yield* c.nextText()).toBe("hello")
      // A broadcast after a join proves the join was routed (one sender inbox, in order).
      yield* b.send("/join kitchen")
      yield* b.send("b joined")
      expect(yield* a.nextText()).toBe("b joined")
      expect(yield* c.nextText()).toBe("b joined")
      yield* a.send("/join kitchen")
      yield* a.send("/room kitchen dinner")
      expect(yield* b.nextText()).toBe("kitchen: dinner")
      yield* b.send("/leave kitchen")
      yield* b.send("b left")
      expect(yield* a.nextText()).toBe("b left")
      yield* a.send("/room kitchen dessert")
      yield* a.send("marker")
      expect(yield* b.nextText()).toBe("marker") // not "kitchen: dessert"
      expect(yield* c.texts(2)).toEqual(["b left", "marker"]) // never a member
      expect(a.pending).toBe(0) // the speaker gets neither its room lines nor its broadcasts
    })
  )
})

describe("Event.Closed says where the ending came from", () => {
  const recording = () => {
    const closed: Array<Pick<Event.Closed, "code" | "origin">> = []
    const handler = Handler.fiber((inbox, sender) =>
      Effect.forever(
        Effect.gen(function* () {
          const events = yield* Inbox.takeAll(inbox)
          const out: Array<Command.Command> = []
          for (const e of events) {
            if (e._tag === "Closed") closed.push({ code: e.code, origin: e.origin })
            if (e._tag === "Message" && Event_text(e) === "close me") out.push(Command.close(e.conn, 4000, "asked"))
          }
          if (out.length > 0) yield* Queue.offerAll(sender, out)
        })
      )
    )
    return { closed, handler }
  }
  const Event_text = (e: Event.Message) => new TextDecoder().decode(e.data)

  it.live("peer, server, transport, protocol and shutdown", () =>
    Effect.gen(function* () {
      const { closed, handler } = recording()
      const { url, close } = yield* start(handler)
      const peer = yield* connect(url)
      peer.ws.close(4100, "bye")
      yield* waitUntil(() => closed.length === 1, 5_000, "the peer's close")
      const server = yield* connect(url)
      yield* server.send("close me")
      yield* waitUntil(() => closed.length === 2, 5_000, "the server's close")
      const transport = yield* connect(url)
      transport.ws.terminate()
      yield* waitUntil(() => closed.length === 3, 5_000, "the dropped connection")
      const protocol = yield* connect(url)
      ;(protocol.ws as unknown as { _socket: { write: (b: Uint8Array) => void } })._socket.write(Uint8Array.of(0x83, 0x80, 1, 2, 3, 4))
      yield* waitUntil(() => closed.length === 4, 5_000, "the protocol error")
      yield* connect(url)
      yield* close
      yield* waitUntil(() => closed.length === 5, 5_000, "the shutdown")
      expect(closed).toEqual([
        { code: 4100, origin: "peer" },
        { code: 4000, origin: "server" },
        { code: 1006, origin: "transport" },
        { code: 1002, origin: "protocol" },
        { code: 1001, origin: "shutdown" }
      ])
    })
  )
})
