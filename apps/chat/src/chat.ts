/**
 * The chat handler: every message goes to all other clients (broadcast except the source), and
 * text commands manage topics:
 *   /join <topic>         subscribe
 *   /leave <topic>        unsubscribe
 *   /to <topic> <text>    send <text> to the topic's members other than the sender
 *   /notices              from now on, send this connection notices (the browser page uses them):
 *                         "/online <n>" now and whenever the number of clients online changes,
 *                         "/joined <topic>" and "/left <topic>" after its /join and /leave
 * Any other message, text or binary, is broadcast unchanged (framed once). Clients that never
 * send /notices get nothing but other clients' messages, as before.
 *
 * Notices are text starting with "/online", "/joined" or "/left"; a client's line that starts
 * so (or a /to whose text does) is not relayed, so a client cannot forge one for the others.
 */
import { Command, Event, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"
import { Presence } from "./presence.js"

const SLASH = 0x2f

/** What a line that looks like a server notice is: never relayed. */
const NOTICE = /^\/(online|joined|left)(\s|$)/

/** The commands a chat message can be. */
export type ChatCommand =
  | { readonly _tag: "Join" | "Leave"; readonly topic: string }
  | { readonly _tag: "To"; readonly topic: string; readonly text: string }
  | { readonly _tag: "Notices" }
  | { readonly _tag: "Forged" }

const NOTICES: ChatCommand = { _tag: "Notices" }
const FORGED: ChatCommand = { _tag: "Forged" }

/** The command `line` is, or undefined for a line to broadcast. */
export const parseChatLine = (line: string): ChatCommand | undefined => {
  const join = /^\/(join|leave) (\S+)\s*$/.exec(line)
  if (join !== null) return { _tag: join[1] === "join" ? "Join" : "Leave", topic: join[2]! }
  const to = /^\/to (\S+) ([\s\S]*)$/.exec(line)
  if (to !== null) return NOTICE.test(to[2]!) ? FORGED : { _tag: "To", topic: to[1]!, text: to[2]! }
  if (/^\/notices\s*$/.test(line)) return NOTICES
  if (NOTICE.test(line)) return FORGED
  return undefined
}

export const chat: Handler.Handler = Handler.fiber(
  (inbox, sender) => {
    // Per run of the handler: the connections it has seen open, and who wants notices.
    const presence = new Presence()
    return Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        const out: Array<Command.Command> = []
        for (const event of events) {
          if (event._tag === "Open") presence.opened(event.conn)
          else if (event._tag === "Closed") presence.closed(event.conn)
          else route(event, presence, out)
        }
        out.push(...presence.notices())
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      })
    )
  },
  { name: "chat" }
)

/** The commands one message calls for, appended to `out`. */
const route = (event: Event.Message, presence: Presence, out: Array<Command.Command>): void => {
  // Only text starting with "/" can be a command; everything else skips the decode.
  const command = event.kind === "text" && event.data[0] === SLASH ? parseChatLine(Event.text(event)) : undefined
  const { conn } = event
  if (command === undefined) return void out.push(Command.broadcast(conn, event))
  switch (command._tag) {
    case "Join":
      out.push(Command.subscribe(conn, command.topic))
      if (presence.isWatching(conn)) out.push(Command.unicast(conn, `/joined ${command.topic}`))
      return
    case "Leave":
      out.push(Command.unsubscribe(conn, command.topic))
      if (presence.isWatching(conn)) out.push(Command.unicast(conn, `/left ${command.topic}`))
      return
    case "To":
      return void out.push(Command.publish(command.topic, command.text, conn))
    case "Notices":
      return presence.watch(conn)
    case "Forged":
      return
  }
}
