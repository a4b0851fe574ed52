/**
 * Several handlers on one server, chosen by request path (socket.io's namespaces, Cowboy's
 * routes). The router is itself a handler: each route gets its own inbox and runs its handler
 * (supervised) on it and the shared sender; every event goes to the route of its connection, and
 * so does the connection's ending, behind it — so each route's replies still go out before the
 * Close reply (see `Inbox`). Unknown paths are refused with 404 at the handshake; a route's own
 * handshake hook is asked otherwise.
 */
import { Effect, Queue } from "effect"
import type * as Handler from "../actors/handler.js"
import * as Handshake from "../connection/handshake.js"
import type * as Command from "../messages/command.js"
import type * as Event from "../messages/event.js"
import { type Ending, isEnding } from "../messages/runtime-message.js"
import * as Inbox from "../runtime/inbox.js"
import { supervise } from "../runtime/supervisor.js"

/**
 * Routes connections by their path to one handler each.
 *
 * @example
 * ```ts
 * import { Command, Handler } from "@wspipe/server"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * const shout = Handler.batch((events) =>
 *   events.flatMap((e) => e._tag === "Message" && e.kind === "text" ? [Command.unicast(e.conn, new TextDecoder().decode(e.data).toUpperCase())] : []))
 * const both = Handler.byPath({ "/echo": echo, "/shout": shout })
 * ```
 */
export const byPath = <R = never>(
  routes: Readonly<Record<string, Handler.Handler<Event.Event, Command.Command, R>>>,
  options: { readonly capacity?: number; readonly name?: string } = {}
): Handler.Handler<Event.Event, Command.Command, R> => {
  const table = new Map(Object.entries(routes))
  const capacity = options.capacity ?? 4096
  return {
    name: options.name ?? "by-path",
    handshake: (request) => {
      const handler = table.get(request.path)
      if (handler === undefined) return Handshake.reject(404, `no endpoint at ${request.path}`)
      return handler.handshake === undefined ? Handshake.accept() : handler.handshake(request)
    },
    run: (inbox, sender) => {
      // Made once per run, outside the effect a supervisor re-runs: a restarted router finds the
      // routes' inboxes with what was already routed to them (as `Stage.andThen` keeps its middle).
      const inboxes = new Map<string, Inbox.Inbox<Event.Event>>()
      // Scoped: if the router itself is restarted, the route fibers of the old run are interrupted
      // and started again on the same inboxes.
      return Effect.scoped(
        Effect.gen(function* () {
          for (const [path, handler] of table) {
            let routeInbox = inboxes.get(path)
            if (routeInbox === undefined) {
              routeInbox = yield* Inbox.make<Event.Event>(capacity, sender)
              inboxes.set(path, routeInbox)
            }
            yield* Effect.forkScoped(supervise("handler", `${handler.name} at ${path}`, handler.run(routeInbox, sender)))
          }
          const unrouted = Inbox.passTarget(inbox)
          while (true) {
            const items = yield* Inbox.takeAllWithEndings(inbox)
            const batches = new Map<Inbox.Inbox<Event.Event>, Array<Event.Event | Ending>>()
            const orphans: Array<Ending> = []
            for (const item of items) {
              const conn = isEnding(item) ? item.to : item.conn
              const routeInbox = inboxes.get(conn.path)
              if (routeInbox === undefined) {
                // Only reachable for a path the handshake refused: its ending still has to reach the sender.
                if (isEnding(item)) orphans.push(item)
                continue
              }
              const batch = batches.get(routeInbox)
              if (batch === undefined) batches.set(routeInbox, [item])
              else batch.push(item)
            }
            for (const [routeInbox, batch] of batches) {
              yield* Queue.offerAll(Inbox.offerTo(routeInbox) as Queue.Enqueue<Event.Event | Ending>, batch)
            }
            if (orphans.length > 0) yield* Queue.offerAll(unrouted, orphans)
          }
        })
      )
    }
  }
}
