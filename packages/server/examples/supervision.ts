// packages/server/examples/supervision.ts
/**
 * What survives a handler crash. Each text message is answered with two counts: one kept
 * outside the fiber body (survives restarts) and one kept inside it (starts again at 0).
 * The message "crash" kills the handler; the supervisor restarts it on the same queues.
 */
import { Command, Event, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

export const makeCounter = () => {
  // Created once, when the handler is made: the supervisor's restarts do not touch it.
  const total = { messages: 0 }
  return Handler.fiber(
    (inbox, sender) =>
      Effect.gen(function* () {
        // Created each time the body starts: a restart resets it.
        let sinceStart = 0
        while (true) {
          const events = yield* Inbox.takeAll(inbox)
          const out: Array<Command.Command> = []
          for (const e of events) {
            if (e._tag !== "Message" || e.kind !== "text") continue
            if (Event.text(e) === "crash") throw new Error("asked to crash") // a bug, as far as the runtime knows
            total.messages++
            sinceStart++
            out.push(Command.unicast(e.conn, `total=${total.messages} sinceStart=${sinceStart}`))
          }
          if (out.length > 0) yield* Queue.offerAll(sender, out)
        }
      }),
    { name: "counter" }
  )
}
