/**
 * Stages alone with queues (`Stage.filterMap`, `Stage.andThen`), and a whole `Pipeline.make`
 * without sockets: receiver → stage → handler → sender, fed raw frame bytes, read from an
 * in-memory out queue.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Command, type Connection, Event, Handler, Inbox, Stage } from "../src/index.js"
import { defaults, makePipeline, Recorder, resolveOptions } from "../src/internal.js"
import * as RuntimeMessage from "../src/messages/runtime-message.js"
import * as Framing from "../src/actors/sender/framing.js"
import * as SocketInput from "../src/messages/socket-input.js"
import { fakeConn, fakeLink, fakeRequest, takeN } from "./support/actors.js"
import { decodeFrames, frame, Op } from "./support/frames.js"

describe("Stage", () => {
  it.live("filterMap maps batch in, batch out, and drops undefined", () =>
    Effect.gen(function* () {
      const output = yield* Queue.bounded<string>(16)
      const input = yield* Inbox.make<number>(16, output)
      const stage = Stage.filterMap<number, string>("odd-as-text", (n) => (n % 2 === 1 ? `n=${n}` : undefined))
      expect(stage.name).toBe("odd-as-text")
      yield* Effect.forkChild(stage.run(input, output))
      yield* Queue.offerAll(Inbox.offerTo(input), [1, 2, 3, 4, 5])
      yield* Queue.offer(Inbox.offerTo(input), 7)
      expect(yield* takeN(output, 4)).toEqual(["n=1", "n=3", "n=5", "n=7"])
    })
  )

  it.live("andThen runs two stages joined by a queue, in order", () =>
    Effect.gen(function* () {
      const output = yield* Queue.bounded<string>(16)
      const input = yield* Inbox.make<number>(16, output)
      const double = Stage.filterMap<number, number>("double", (n) => n * 2)
      const big = Stage.filterMap<number, string>("big", (n) => (n > 4 ? `big ${n}` : undefined))
      const both = Stage.andThen(double, big)
      expect(both.name).toBe("double > big")
      yield* Effect.forkChild(both.run(input, output))
      for (let i = 1; i <= 5; i++) yield* Queue.offer(Inbox.offerTo(input), i)
      expect(yield* takeN(output, 3)).toEqual(["big 6", "big 8", "big 10"])
    })
  )

  it.live("andThen fails when either stage fails (so a supervisor restarts the pair)", () =>
    Effect.gen(function* () {
      const output = yield* Queue.bounded<number>(16)
      const input = yield* Inbox.make<number>(16, output)
      const fine = Stage.filterMap<number, number>("fine", (n) => n)
      const failing = Stage.make<number, number>("failing", (i) => Effect.flatMap(Inbox.take(i), () => Effect.fail("broken")))
      yield* Queue.offer(Inbox.offerTo(input), 1)
      const exit = yield* Effect.exit(Stage.andThen(fine, failing).run(input, output).pipe(Effect.timeout("5 seconds")))
      expect(exit._tag).toBe("Failure")
    })
  )
})

describe("Pipeline.make without sockets", () => {
  it.live("bytes in the receiver's inbox come out of a registered out queue, through a stage", () =>
    Effect.gen(function* () {
      const options = resolveOptions({})
      if (!("maxFrameSize" in options)) throw options
      const recorder = new Recorder(yield* Effect.context<never>())
      // The stage drops binary messages before the (echo) handler sees them.
      const onlyText = Stage.filterMap<Event.Event, Event.Event>("only-text", (e) =>
        e._tag === "Message" && e.kind === "binary" ? undefined : e
      )
      const pipeline = yield* makePipeline({ handler: echo, beforeHandler: onlyText }, options, recorder)
      expect(pipeline.options).toBe(options)

      const conn = fakeConn()
      const link = yield* fakeLink()
      yield* Queue.offer(pipeline.senderInbox, RuntimeMessage.Register(conn, link, Framing.rfc6455))
      const decoder = {
        variant: "rfc6455" as const,
        maxFrameSize: defaults.maxFrameSize,
        maxMessageSize: defaults.maxMessageSize,
        allowedRsv: 0
      }
      yield* Queue.offerAll(pipeline.receiverInbox, [
        SocketInput.Attach(conn, new Uint8Array(0), decoder, undefined, fakeRequest()),
        SocketInput.Chunk(conn, frame(Op.Binary, Uint8Array.of(1))),
        SocketInput.Chunk(conn, frame(Op.Text, "through the pipeline")),
        SocketInput.Chunk(conn, frame(Op.Ping, "p"))
      ])
      const got = (yield* takeN(link.out, 2)).map((item) => decodeFrames(item as Uint8Array)[0]!)
      // The pong comes straight from the receiver, so it may overtake the echo.
      const text = got.find((f) => f.opcode === Op.Text)
      const pong = got.find((f) => f.opcode === Op.Pong)
      expect(new TextDecoder().decode(text!.payload)).toBe("through the pipeline")
      expect(new TextDecoder().decode(pong!.payload)).toBe("p")
      expect(link.wakes).toBeGreaterThan(0)
      yield* Effect.sleep("20 millis")
      expect(Queue.sizeUnsafe(link.out)).toBe(0) // the binary message was dropped by the stage
      expect(pipeline.depths()).toEqual({ receiver: 0, handler: 0, sender: 0 })
    })
  )

  it.live("afterHandler: a stage turns the handler's own output type into commands", () =>
    Effect.gen(function* () {
      const options = resolveOptions({})
      if (!("maxFrameSize" in options)) throw options
      const recorder = new Recorder(yield* Effect.context<never>())
      // The handler speaks in { to, shout } records; the stage makes commands of them.
      const shouter = Handler.fiber<Event.Event, { to: Connection; shout: string }>((inbox, out) =>
        Effect.forever(
          Effect.gen(function* () {
            for (const e of yield* Inbox.takeAll(inbox)) {
              if (e._tag === "Message") yield* Queue.offer(out, { to: e.conn, shout: Event.text(e) })
            }
          })
        )
      )
      const toCommands = Stage.filterMap<{ to: Connection; shout: string }, Command.Command>("to-commands", (r) =>
        Command.unicast(r.to, r.shout.toUpperCase())
      )
      const pipeline = yield* makePipeline({ handler: shouter, afterHandler: toCommands }, options, recorder)
      const conn = fakeConn()
      const link = yield* fakeLink()
      yield* Queue.offer(pipeline.senderInbox, RuntimeMessage.Register(conn, link, Framing.rfc6455))
      const decoder = { variant: "rfc6455" as const, maxFrameSize: 1024, maxMessageSize: 1024, allowedRsv: 0 }
      yield* Queue.offerAll(pipeline.receiverInbox, [
        SocketInput.Attach(conn, new Uint8Array(0), decoder, undefined, fakeRequest()),
        SocketInput.Chunk(conn, frame(Op.Text, "quiet"))
      ])
      const [f] = decodeFrames((yield* takeN(link.out, 1))[0] as Uint8Array)
      expect(new TextDecoder().decode(f!.payload)).toBe("QUIET")
    })
  )
})
