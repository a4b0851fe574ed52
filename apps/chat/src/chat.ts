/**
 * The chat handler: every message goes to all other clients (broadcast except the source), and
 * three text commands manage topics:
 *   /join <topic>         subscribe
 *   /leave <topic>        unsubscribe
 *   /to <topic> <text>    send <text> to the topic's members other than the sender
 * Any other message, text or binary, is broadcast unchanged (frames once).
 */
import { Command, Event, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

const SLASH = 0x2f

/** The commands a chat message can be. */
export const parseChatLine = (line: string):
  | { readonly _tag: "Join" | "Leave"; readonly topic: string }
  | { readonly _tag: "To"; readonly topic: string; readonly text: string }
  | undefined => {
  const join = /^\/(join|leave) (\S+)\s*$/.exec(line)
  if (join !== null) return { _tag: join[1] === "join" ? "Join" : "Leave", topic: join[2]! }
  const to = /^\/to (\S+) ([\s\S]*)$/.exec(line)
  if (to !== null) return { _tag: "To", topic: to[1]!, text: to[2]! }
  return undefined
}

export const chat: Handler.Handler = Handler.fiber((inbox, sender) =>
  Effect.forever(Effect.gen(function*() {
    const events = yield* Inbox.takeAll(inbox)
    const out: Array<Command.Command> = []
    for (const event of events) {
      if (event._tag !== "Message") continue
      // Only text starting with "/" can be a command; everything else skips the decode.
      const command = event.kind === "text" && event.data[0] === SLASH ? parseChatLine(Event.text(event)) : undefined
      if (command === undefined) out.push(Command.broadcast(event.conn, event))
      else if (command._tag === "Join") out.push(Command.subscribe(event.conn, command.topic))
      else if (command._tag === "Leave") out.push(Command.unsubscribe(event.conn, command.topic))
      else if (command._tag === "To") out.push(Command.publish(command.topic, command.text, event.conn))
    }
    if (out.length > 0) yield* Queue.offerAll(sender, out)
  })), { name: "chat" })
