// packages/server/examples/json-rooms.ts
/**
 * A typed JSON protocol on a pipeline of three actors around the handler:
 *   receiver → rate-limit → decode-json → handler → encode-json → sender
 * Clients send {"type":"join","room":"r"} and {"type":"say","room":"r","text":"…"}; members of
 * the room get {"type":"said","room":"r","from":7,"text":"…"}. The handler sees only typed values.
 */
import { Command, Handler, type Pipeline, Stage, Inbox } from "@wspipe/server"
import { Effect, Queue, Schema } from "effect"
import { decodeJson, encodeJson, type JsonCommand, type JsonEvent } from "./json.js"
import { rateLimit } from "./rate-limit.js"

export const ClientMessage = Schema.Union([
  Schema.Struct({ type: Schema.Literal("join"), room: Schema.String }),
  Schema.Struct({ type: Schema.Literal("say"), room: Schema.String, text: Schema.String })
])
export type ClientMessage = typeof ClientMessage.Type

export type ServerMessage =
  | { readonly type: "joined"; readonly room: string }
  | { readonly type: "said"; readonly room: string; readonly from: number; readonly text: string }

const handler = Handler.fiber<JsonEvent<ClientMessage>, JsonCommand<ServerMessage>>(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        const out: Array<JsonCommand<ServerMessage>> = []
        for (const e of events) {
          if (e._tag === "Refused") out.push(Command.close(e.conn, e.code, e.reason))
          if (e._tag !== "Decoded") continue
          const m = e.value
          if (m.type === "join") {
            out.push(Command.subscribe(e.conn, m.room))
            out.push({ _tag: "Reply", to: e.conn, value: { type: "joined", room: m.room } })
          } else {
            out.push({ _tag: "Send", topic: m.room, value: { type: "said", room: m.room, from: e.conn.id, text: m.text }, except: e.conn })
          }
        }
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      })
    ),
  { name: "json-rooms" }
)

export const jsonRooms: Pipeline.PipelineConfig<JsonEvent<ClientMessage>, JsonCommand<ServerMessage>> = {
  handler,
  beforeHandler: Stage.andThen(rateLimit({ burst: 20, perSecond: 10, onFlood: "close" }), decodeJson(ClientMessage)),
  afterHandler: encodeJson<ServerMessage>()
}
