// packages/server/examples/router.ts
/**
 * Several handlers on one server, chosen by request path. The router is itself a handler: it
 * gives each route its own inbox, runs each route's handler (supervised) on that inbox and the
 * shared sender, and forwards every event to the route of its connection's path. Unknown paths
 * are refused with 404 at the handshake; a route's own handshake hook is asked otherwise.
 */
import { type Event, Handler, Handshake, supervise } from "@wspipe/server"
import { Effect, Queue } from "effect"

export const byPath = (routes: Readonly<Record<string, Handler.Handler>>): Handler.Handler => {
  const table = new Map(Object.entries(routes))
  return Handler.fiber((inbox, sender) =>
    // Scoped: if the router itself is restarted, the route fibers of the old run are interrupted.
    Effect.scoped(Effect.gen(function*() {
      const inboxes = new Map<string, Queue.Queue<Event.Event>>()
      for (const [path, handler] of table) {
        const routeInbox = yield* Queue.bounded<Event.Event>(4096)
        inboxes.set(path, routeInbox)
        yield* Effect.forkScoped(supervise(`${handler.name} at ${path}`, handler.run(routeInbox, sender)))
      }
      while (true) {
        const events = yield* Queue.takeAll(inbox)
        const batches = new Map<Queue.Queue<Event.Event>, Array<Event.Event>>()
        for (const e of events) {
          const routeInbox = inboxes.get(e.conn.path)
          if (routeInbox === undefined) continue
          const batch = batches.get(routeInbox)
          if (batch === undefined) batches.set(routeInbox, [e])
          else batch.push(e)
        }
        for (const [routeInbox, batch] of batches) yield* Queue.offerAll(routeInbox, batch)
      }
    })), {
    name: "by-path",
    handshake: (request) => {
      const handler = table.get(request.path)
      if (handler === undefined) return Handshake.reject(404, `no endpoint at ${request.path}`)
      return handler.handshake === undefined ? Handshake.accept() : handler.handshake(request)
    }
  })
}
