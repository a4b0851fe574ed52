// packages/server/examples/json.ts
/**
 * Typed JSON at the edges of the handler. `decodeJson(schema)` sits before the handler: it turns
 * each text `Message` into a `Decoded` value, and refuses binary (1003) and text that is not
 * valid JSON of the schema's shape (4400). `encodeJson()` sits after the handler: it turns
 * `Reply`/`Send` of plain values into sender commands. Both are plain loops over batches.
 */
import { Command, type Connection, type Event, Stage } from "@wspipe/server"
import { Result, Schema } from "effect"
import { Refused } from "./refused.js"

export interface Decoded<A> {
  readonly _tag: "Decoded"
  readonly conn: Connection
  readonly value: A
}

/** What a handler behind `decodeJson` receives. */
export type JsonEvent<A> = Event.Open | Event.Closed | Decoded<A> | Refused

/** Decodes text messages with `schema`; passes `Refused` from an earlier stage through. */
export const decodeJson = <A>(schema: Schema.Decoder<A>): Stage.Stage<Event.Event | Refused, JsonEvent<A>> => {
  const decode = Schema.decodeUnknownResult(Schema.fromJsonString(schema))
  return Stage.filterMap("decode-json", (e) => {
    if (e._tag !== "Message") return e
    // RFC 6455 §7.4.1: 1003 = a type of data the endpoint cannot accept (here: binary).
    if (e.kind !== "text") return Refused(e.conn, 1003, "text messages only")
    const result = decode(new TextDecoder().decode(e.data))
    return Result.isSuccess(result)
      ? { _tag: "Decoded", conn: e.conn, value: result.success }
      : // 4000–4999 are for applications (RFC 6455 §7.4.2); 4400 reads as "bad request".
        Refused(e.conn, 4400, "invalid message")
  })
}

/** A value for one connection, or for a topic (except one connection, when given). */
export type JsonCommand<B> =
  | { readonly _tag: "Reply"; readonly to: Connection; readonly value: B }
  | { readonly _tag: "Send"; readonly topic: string; readonly value: B; readonly except?: Connection }
  | Command.Command

/** Encodes `Reply`/`Send` values as JSON text; other commands pass through. */
export const encodeJson = <B>(): Stage.Stage<JsonCommand<B>, Command.Command> =>
  Stage.filterMap("encode-json", (c) => {
    switch (c._tag) {
      case "Reply":
        return Command.unicast(c.to, JSON.stringify(c.value))
      case "Send":
        return Command.publish(c.topic, JSON.stringify(c.value), c.except)
      default:
        return c
    }
  })
