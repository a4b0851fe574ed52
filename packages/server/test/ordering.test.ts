/**
 * Ordering by construction (RFC 6455 §5.5.1; Autobahn 7.1.1): a connection's ending reaches the
 * wire after the handler's replies to everything the client sent before it — through a handler
 * fiber that sleeps between its take and its offer (no declaration), a stage before or after the
 * handler that sleeps, `Handler.byPath`, and async callbacks. Real sockets: the client writes its
 * messages and its Close (or garbage, or its FIN) in ONE write, so they reach the receiver in one
 * chunk and one batch; then it reads every frame until the server ends TCP.
 */
import { createHash, randomBytes } from "node:crypto"
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { Callbacks, Command, type Event, Handler, Inbox, Stage } from "../src/index.js"
import { closePayload, concat, decodeFrames, frame, Op, parseClose } from "./support/frames.js"
import { start } from "./support/server.js"

const SLEEP = "50 millis"

/** Echo, sleeping between taking a batch and offering its replies. */
const sleepyEcho = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        yield* Effect.sleep(SLEEP)
        const out = events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      })
    ),
  { name: "sleepy-echo" }
)

const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])))

/** A stage that passes everything on after a sleep. */
const sleepy = <A>(name: string) =>
  Stage.make<A, A>(name, (input, output) =>
    Effect.forever(
      Effect.gen(function* () {
        const batch = yield* Inbox.takeAll(input)
        yield* Effect.sleep(SLEEP)
        yield* Queue.offerAll(output, batch)
      })
    )
  )

/** Opens a raw connection, writes `tail(…)` in one write after the handshake, returns every frame the server sent until TCP ended. */
const exchange = (url: string, path: string, tail: Uint8Array, options: { readonly fin?: boolean } = {}) =>
  Effect.promise(
    () =>
      new Promise<Array<{ opcode: number; payload: Uint8Array }>>((resolve, reject) => {
        const { port } = new URL(url)
        const key = randomBytes(16).toString("base64")
        const socket = Net.connect({ host: "127.0.0.1", port: Number(port), allowHalfOpen: true })
        const chunks: Array<Buffer> = []
        const timer = setTimeout(() => reject(new Error("the server did not end the connection in time")), 5_000)
        socket.on("error", reject)
        socket.on("data", (d) => chunks.push(d))
        socket.on("end", () => {
          clearTimeout(timer)
          const all = Buffer.concat(chunks)
          const headEnd = all.indexOf("\r\n\r\n")
          const head = all.subarray(0, headEnd).toString("latin1")
          const accept = createHash("sha1")
            .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
            .digest("base64")
          if (!head.startsWith("HTTP/1.1 101") || !head.includes(accept)) return reject(new Error(`no 101: ${head}`))
          resolve(decodeFrames(all.subarray(headEnd + 4)))
          socket.end()
        })
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
        )
        // After the 101, so the request head and the frames are separate reads on the server too.
        socket.once("data", () => {
          socket.write(tail)
          if (options.fin === true) socket.end()
        })
      })
  )

const texts = (frames: ReadonlyArray<{ opcode: number; payload: Uint8Array }>) =>
  frames.map((f) =>
    f.opcode === Op.Text
      ? new TextDecoder().decode(f.payload)
      : f.opcode === Op.Close
        ? `close ${parseClose(f.payload).code}`
        : `op ${f.opcode}`
  )

const messagesThenClose = concat(frame(Op.Text, "one"), frame(Op.Text, "two"), frame(Op.Close, closePayload(1000, "bye")))

describe("a connection's ending goes out after the handler's replies to what came before it", () => {
  it.live("a handler fiber that sleeps 50 ms between takeAll and offerAll, with no declaration", () =>
    Effect.gen(function* () {
      const { url } = yield* start(sleepyEcho)
      expect(texts(yield* exchange(url, "/", messagesThenClose))).toEqual(["one", "two", "close 1000"])
    })
  )

  it.live("a sleeping stage before the handler", () =>
    Effect.gen(function* () {
      const { url } = yield* start({ handler: echo, beforeHandler: sleepy<Event.Event>("before") })
      expect(texts(yield* exchange(url, "/", messagesThenClose))).toEqual(["one", "two", "close 1000"])
    })
  )

  it.live("a sleeping stage after the handler", () =>
    Effect.gen(function* () {
      const { url } = yield* start({ handler: echo, afterHandler: sleepy<Command.Command>("after") })
      expect(texts(yield* exchange(url, "/", messagesThenClose))).toEqual(["one", "two", "close 1000"])
    })
  )

  it.live("two stages joined with Stage.andThen before a sleeping handler", () =>
    Effect.gen(function* () {
      const both = Stage.andThen(sleepy<Event.Event>("first"), sleepy<Event.Event>("second"))
      const { url } = yield* start({ handler: sleepyEcho, beforeHandler: both })
      expect(texts(yield* exchange(url, "/", messagesThenClose))).toEqual(["one", "two", "close 1000"])
    })
  )

  it.live("Handler.byPath: each route's sleeping handler gets its replies out first", () =>
    Effect.gen(function* () {
      const { url } = yield* start(Handler.byPath({ "/a": sleepyEcho, "/b": echo }))
      const [a, b] = yield* Effect.all([exchange(url, "/a", messagesThenClose), exchange(url, "/b", messagesThenClose)], { concurrency: 2 })
      expect(texts(a)).toEqual(["one", "two", "close 1000"])
      expect(texts(b)).toEqual(["one", "two", "close 1000"])
    })
  )

  it.live("an async message callback", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (data, state: undefined) => Effect.as(Effect.andThen(Effect.sleep(SLEEP), Callbacks.write(data)), state)
        })
      )
      expect(texts(yield* exchange(url, "/", messagesThenClose))).toEqual(["one", "two", "close 1000"])
    })
  )

  it.live("a protocol error after the messages: their echoes, then Close 1002", () =>
    Effect.gen(function* () {
      const { url } = yield* start(sleepyEcho)
      const garbage = concat(frame(Op.Text, "one"), frame(Op.Text, "two"), frame(3, "reserved opcode"))
      expect(texts(yield* exchange(url, "/", garbage))).toEqual(["one", "two", "close 1002"])
    })
  )

  it.live("the client's FIN after the messages: their echoes, then the server ends TCP", () =>
    Effect.gen(function* () {
      const { url } = yield* start(sleepyEcho)
      const messages = concat(frame(Op.Text, "one"), frame(Op.Text, "two"))
      expect(texts(yield* exchange(url, "/", messages, { fin: true }))).toEqual(["one", "two"])
    })
  )
})
