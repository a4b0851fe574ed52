/** Handlers for the in-process tests. */
import { Command, Handler, Inbox } from "@wspipe/server"
import { Effect, Queue } from "effect"

export interface Ended {
  readonly conn: number
  readonly code: number
  readonly origin: string
}

/**
 * The Erlang echo (one offer per batch) that also records how each connection ended and every
 * message it saw, per connection id.
 */
export const recordingEcho = (): {
  readonly handler: Handler.Handler
  readonly ended: Array<Ended>
  readonly opened: Array<number>
  readonly seen: Map<number, Array<string>>
} => {
  const ended: Array<Ended> = []
  const opened: Array<number> = []
  const seen = new Map<number, Array<string>>()
  const handler = Handler.fiber(
    (inbox, sender) =>
      Effect.forever(
        Effect.gen(function* () {
          const events = yield* Inbox.takeAll(inbox)
          const out: Array<Command.Command> = []
          for (const e of events) {
            if (e._tag === "Open") opened.push(e.conn.id)
            else if (e._tag === "Closed") ended.push({ conn: e.conn.id, code: e.code, origin: e.origin })
            else {
              const list = seen.get(e.conn.id) ?? []
              list.push(Buffer.from(e.data).toString("latin1", 0, 64))
              seen.set(e.conn.id, list)
              out.push(Command.unicast(e.conn, e))
            }
          }
          if (out.length > 0) yield* Queue.offerAll(sender, out)
        })
      ),
    { name: "recording-echo" }
  )
  return { handler, ended, opened, seen }
}
