/** A handler for bus tests (packages/server/test/bus.test.ts, packages/bus-redis/test/cross-node.test.ts). */
import { Effect, Queue } from "effect"
import { type Address, Command, Event, Handler, Inbox } from "../../src/index.js"

/**
 * Text commands: "bcast x", "all x", "sub t", "unsub t", "pub t x", "to <node>:<id> x",
 * "close <node>:<id>"; on open each client is told its address (`id <node>:<id>`).
 */
export const busNode = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        const out: Array<Command.Command> = []
        for (const e of events) {
          if (e._tag === "Open") out.push(Command.unicast(e.conn, `id ${e.conn.node}:${e.conn.id}`))
          if (e._tag !== "Message") continue
          const [verb, arg = "", ...rest] = Event.text(e).split(" ")
          const text = rest.join(" ")
          const address = (s: string): Address => ({ node: s.slice(0, s.lastIndexOf(":")), id: Number(s.slice(s.lastIndexOf(":") + 1)) })
          if (verb === "bcast") out.push(Command.broadcast(e.conn, [arg, ...rest].join(" ")))
          else if (verb === "all") out.push(Command.broadcastAll([arg, ...rest].join(" ")))
          else if (verb === "sub") out.push(Command.subscribe(e.conn, arg))
          else if (verb === "unsub") out.push(Command.unsubscribe(e.conn, arg))
          else if (verb === "pub") out.push(Command.publish(arg, text))
          else if (verb === "to") out.push(Command.unicast(address(arg), text))
          else if (verb === "close") out.push(Command.close(address(arg), 4000, "from afar"))
          else if (verb === "sync") out.push(Command.unicast(e.conn, "synced"))
        }
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      })
    ),
  { name: "bus-node" }
)
