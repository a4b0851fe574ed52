// packages/server/examples/echo.ts
/**
 * The Erlang echo: on `{message, Data, From}` the handler tells the sender `{unicast, Data, From}`.
 * A `Message` event is itself an outgoing message, so text stays text and binary stays binary.
 */
import { Command, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

export const echo = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox) // everything waiting, at least one
        const replies: Array<Command.Command> = []
        for (const event of events) {
          if (event._tag === "Message") replies.push(Command.unicast(event.conn, event))
        }
        if (replies.length > 0) yield* Queue.offerAll(sender, replies) // one offer per batch
      })
    ),
  { name: "echo" }
)
