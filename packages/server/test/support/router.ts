/**
 * A handler fiber for routing tests, driven by text commands from the clients. On open it tells
 * each client its connection id (`id:<n>`), so a client can address another one.
 *
 *   bcast <text>              Broadcast(except source)
 *   all <text>                BroadcastAll
 *   to <id> <text>            Unicast to connection <id>
 *   sub <topic> / unsub <topic>
 *   pub <topic> <text>        Publish to every member
 *   pubx <topic> <text>       Publish to every member except the source
 *   close <code> <reason>     Close the source with code and reason
 *   ping <payload>            server Ping to the source
 *   crash                     the handler fiber dies (Effect.die)
 *   anything else             echoed back to the source (binary too)
 */
import { Effect, Queue } from "effect"
import { Command, Event, Handler, type Connection, Inbox } from "../../src/index.js"

export const router = (options: { readonly handshake?: Handler.Handler["handshake"] } = {}) => {
  // Outside the fiber body: survives a supervisor restart, like the connections do.
  const conns = new Map<number, Connection>()
  const handler = Handler.fiber(
    (inbox, sender) =>
      Effect.forever(
        Effect.gen(function* () {
          const events = yield* Inbox.takeAll(inbox)
          const out: Array<Command.Command> = []
          for (const e of events) {
            if (e._tag === "Open") {
              conns.set(e.conn.id, e.conn)
              out.push(Command.unicast(e.conn, `id:${e.conn.id}`))
              continue
            }
            if (e._tag === "Closed") {
              conns.delete(e.conn.id)
              continue
            }
            if (e.kind === "binary") {
              out.push(Command.unicast(e.conn, e))
              continue
            }
            const text = Event.text(e)
            const [word = "", ...rest] = text.split(" ")
            const arg = rest.join(" ")
            switch (word) {
              case "bcast":
                out.push(Command.broadcast(e.conn, arg))
                break
              case "all":
                out.push(Command.broadcastAll(arg))
                break
              case "to": {
                const [id = "", ...words] = rest
                const to = conns.get(Number(id))
                if (to !== undefined) out.push(Command.unicast(to, words.join(" ")))
                break
              }
              case "sub":
                out.push(Command.subscribe(e.conn, arg))
                break
              case "unsub":
                out.push(Command.unsubscribe(e.conn, arg))
                break
              case "pub":
              case "pubx": {
                const [topic = "", ...words] = rest
                out.push(Command.publish(topic, words.join(" "), word === "pubx" ? e.conn : undefined))
                break
              }
              case "close": {
                const [code = "1000", ...words] = rest
                out.push(Command.close(e.conn, Number(code), words.join(" ")))
                break
              }
              case "ping":
                out.push(Command.ping(e.conn, new TextEncoder().encode(arg)))
                break
              case "crash":
                if (out.length > 0) yield* Queue.offerAll(sender, out)
                return yield* Effect.die(new Error("crash requested by the test"))
              default:
                out.push(Command.unicast(e.conn, e))
            }
          }
          if (out.length > 0) yield* Queue.offerAll(sender, out)
        })
      ),
    { name: "router", handshake: options.handshake }
  )
  return { handler, conns }
}
