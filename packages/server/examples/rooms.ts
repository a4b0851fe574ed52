// packages/server/examples/rooms.ts
/**
 * Rooms: a client joins the room named by its request path (`/rooms/kitchen` → "kitchen",
 * anything else → "lobby"). Its text messages go to the other members of the room; joins and
 * leaves are announced to everyone in it, with the close code of the leaver.
 */
import { Command, Event, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

export const roomOf = (path: string): string =>
  path.startsWith("/rooms/") && path.length > "/rooms/".length ? path.slice("/rooms/".length) : "lobby"

export const rooms = Handler.fiber(
  (inbox, sender) =>
    Effect.gen(function* () {
      // Members per room. Lives as long as this run of the body (see "Supervision").
      const members = new Map<string, number>()
      while (true) {
        const events = yield* Inbox.takeAll(inbox)
        const out: Array<Command.Command> = []
        for (const e of events) {
          const room = roomOf(e.conn.path)
          switch (e._tag) {
            case "Open": {
              const n = (members.get(room) ?? 0) + 1
              members.set(room, n)
              // The sender runs commands in order: the newcomer is a member before the announcement.
              out.push(Command.subscribe(e.conn, room))
              out.push(Command.publish(room, `#${e.conn.id} joined ${room} (${n} here)`))
              break
            }
            case "Message":
              if (e.kind === "text") out.push(Command.publish(room, `#${e.conn.id}: ${Event.text(e)}`, e.conn))
              break
            case "Closed": {
              const n = (members.get(room) ?? 1) - 1
              if (n === 0) members.delete(room)
              else members.set(room, n)
              // e.conn is still a member until its ending reaches the sender, after this batch: a
              // client that closed first gets this line too, just before the server's Close.
              out.push(Command.publish(room, `#${e.conn.id} left ${room} (${e.code})`))
              break
            }
          }
        }
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      }
    }),
  { name: "rooms" }
)
