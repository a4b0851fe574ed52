/**
 * Metrics through Effect's `Metric` (issue: open connections, messages and bytes, rejections by
 * status, close codes, queue depths), read back from a running server.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Queue } from "effect"
import { Command, Handler, Metrics, Inbox } from "../src/index.js"
import { connect, rejected } from "./support/client.js"
import { start } from "./support/server.js"

const gauge = (queue: string) =>
  Metric.value(Metric.withAttributes(Metrics.metrics.queueDepth, { queue })).pipe(Effect.map((s) => Number(s.value)))

describe("metrics", () => {
  it.live("queue depths are sampled every second: a handler that never takes shows its backlog", () =>
    Effect.gen(function* () {
      // This handler never takes from its inbox: every Open event stays in the handler's queue.
      const stuck = Handler.fiber(() => Effect.never, { name: "stuck" })
      const { url } = yield* start(stuck)
      const before = yield* gauge("handler")
      for (let i = 0; i < 3; i++) yield* connect(url)
      yield* Effect.sleep("1200 millis")
      expect((yield* gauge("handler")) - before).toBe(3)
    })
  )

  it.live("connections, messages, bytes, rejections by status and close codes are counted", () =>
    Effect.gen(function* () {
      // Counters only: the open-connections gauge still moves while an earlier test's sockets close.
      const total0 = Number((yield* Metric.value(Metrics.metrics.connectionsTotal)).count)
      const in0 = Number((yield* Metric.value(Metrics.metrics.messagesIn)).count)
      const rejected0 = (yield* Metric.value(Metrics.metrics.handshakeRejections)).occurrences.get("404") ?? 0
      const echo = Handler.fiber((inbox, sender) =>
        Effect.forever(
          Effect.gen(function* () {
            const events = yield* Inbox.takeAll(inbox)
            const out = events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
            if (out.length > 0) yield* Queue.offerAll(sender, out)
          })
        )
      )
      const { url } = yield* start(echo, { path: "/ws" })
      const a = yield* connect(`${url}ws`)
      expect(Number((yield* Metric.value(Metrics.metrics.connectionsTotal)).count) - total0).toBe(1)
      yield* a.send("hello")
      expect(String((yield* a.next()).data)).toBe("hello")
      expect(Number((yield* Metric.value(Metrics.metrics.messagesIn)).count) - in0).toBe(1)
      yield* rejected(`${url}other`)
      expect(((yield* Metric.value(Metrics.metrics.handshakeRejections)).occurrences.get("404") ?? 0) - rejected0).toBe(1)
    })
  )
})
