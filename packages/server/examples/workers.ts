// packages/server/examples/workers.ts
/**
 * Sending from other fibers. The handler never waits on slow work: it hands each text message
 * to a worker fiber through a queue, and the worker answers later with `server.send`. A clock
 * fiber gives every client the time with `server.command(Command.broadcastAll(...))`, framed
 * once for all of them.
 */
import { Frame } from "@wspipe/codec"
import { Command, type Connection, Event, Handler, Server, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

interface Job {
  readonly conn: Connection
  readonly text: string
}

export const main = (options: Server.ListenOptions & { readonly tickMs: number }) =>
  Effect.gen(function* () {
    const { tickMs, ...listenOptions } = options
    const jobs = yield* Queue.bounded<Job>(1024)

    const dispatcher = Handler.fiber(
      (inbox) =>
        Effect.forever(
          Effect.gen(function* () {
            const events = yield* Inbox.takeAll(inbox)
            const batch: Array<Job> = []
            for (const e of events) {
              if (e._tag === "Message" && e.kind === "text") batch.push({ conn: e.conn, text: Event.text(e) })
            }
            if (batch.length > 0) yield* Queue.offerAll(jobs, batch)
          })
        ),
      { name: "dispatcher" }
    )

    const server = yield* Server.listen(dispatcher, listenOptions)

    // The worker: slow work (a database, an HTTP call) off the handler's path.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          const job = yield* Queue.take(jobs)
          yield* Effect.sleep(20)
          yield* server.send(job.conn, job.text.toUpperCase())
        })
      )
    )

    // The clock: one pre-framed message per tick, the same bytes for every client.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          yield* Effect.sleep(tickMs)
          yield* server.command(Command.broadcastAll(Frame.text(`tick ${new Date().toISOString()}`)))
        })
      )
    )

    return server
  })
