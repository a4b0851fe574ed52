/**
 * The echo handler, written the Erlang way: the handler receives `{message, Data, From}` and tells
 * the sender `{unicast, Data, From}`. A `Message` event is itself an outgoing message, so text
 * stays text and binary stays binary, and nothing is decoded or copied.
 */
import { Command, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

export const echo: Handler.Handler = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        const replies: Array<Command.Command> = []
        for (const event of events) {
          if (event._tag === "Message") replies.push(Command.unicast(event.conn, event))
        }
        if (replies.length > 0) yield* Queue.offerAll(sender, replies)
      })
    ),
  { name: "echo" }
)
