/**
 * Commands a handler gives the sender: the three routings of the Erlang original
 * (`unicast`, broadcast to all but the source, broadcast to all), close, ping, and topics.
 */
import type { Frame, Opcode } from "@wspipe/codec"
import type { Address, Connection } from "../connection/connection.js"
import type { Prepared } from "./prepared.js"

/**
 * Anything the sender can send: a string (a text message), bytes (a binary message), a
 * `{ kind, data }` pair (so a received `Message` event can be sent back as it is), a pre-framed
 * `Frame` that goes out exactly as framed, or a `Prepared` message, framed and compressed once
 * however often it is sent.
 */
export type Outgoing = string | Uint8Array | Frame.Frame | Prepared | { readonly kind: Opcode.MessageKind; readonly data: Uint8Array }

/** Send `message` to one connection. */
export interface Unicast {
  readonly _tag: "Unicast"
  readonly to: Address
  readonly message: Outgoing
}
/** Send `message` to every connection except `except` (the source). */
export interface Broadcast {
  readonly _tag: "Broadcast"
  readonly except: Address
  readonly message: Outgoing
}
/** Send `message` to every connection. */
export interface BroadcastAll {
  readonly _tag: "BroadcastAll"
  readonly message: Outgoing
}
/** Start the closing handshake with `to` (RFC 6455 §7.1.2). */
export interface Close {
  readonly _tag: "Close"
  readonly to: Address
  readonly code: number
  readonly reason: string
}
/** Send a Ping (RFC 6455 §5.5.2); `data` ≤ 125 bytes. */
export interface Ping {
  readonly _tag: "Ping"
  readonly to: Address
  readonly data: Uint8Array
}
/** Add `conn` to `topic`. */
export interface Subscribe {
  readonly _tag: "Subscribe"
  readonly conn: Connection
  readonly topic: string
}
/** Remove `conn` from `topic`. */
export interface Unsubscribe {
  readonly _tag: "Unsubscribe"
  readonly conn: Connection
  readonly topic: string
}
/** Send `message` to every member of `topic` except `except` (when given). */
export interface Publish {
  readonly _tag: "Publish"
  readonly topic: string
  readonly message: Outgoing
  readonly except: Address | undefined
}

export type Command = Unicast | Broadcast | BroadcastAll | Close | Ping | Subscribe | Unsubscribe | Publish

/**
 * @example
 * ```ts
 * import { Command, type Event } from "@wspipe/server"
 *
 * // the Erlang echo: {message, Data, From} -> {unicast, Data, From}
 * const reply = (e: Event.Event) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []
 * ```
 */
export const unicast = (to: Address, message: Outgoing): Unicast => ({ _tag: "Unicast", to, message })
export const broadcast = (except: Address, message: Outgoing): Broadcast => ({ _tag: "Broadcast", except, message })
export const broadcastAll = (message: Outgoing): BroadcastAll => ({ _tag: "BroadcastAll", message })
/**
 * Starts the closing handshake with `to`. Plain data: the sender applies the codec's rule (RFC
 * 6455 §7.4, §5.5: 1000, 1001–1003, 1007–1014 or 3000–4999, a reason of at most 123 bytes) and
 * closes with 1011 instead when the pair may not be sent. For a typed error at the call site, use
 * `Callbacks.close` or a `ConnectionHandle`'s `close`.
 */
export const close = (to: Address, code = 1000, reason = ""): Close => ({ _tag: "Close", to, code, reason })
/** A Ping; the sender does not send one whose payload is over 125 bytes (RFC 6455 §5.5). */
export const ping = (to: Address, data: Uint8Array = EMPTY): Ping => ({ _tag: "Ping", to, data })
export const subscribe = (conn: Connection, topic: string): Subscribe => ({ _tag: "Subscribe", conn, topic })
export const unsubscribe = (conn: Connection, topic: string): Unsubscribe => ({ _tag: "Unsubscribe", conn, topic })
export const publish = (topic: string, message: Outgoing, except?: Address): Publish => ({ _tag: "Publish", topic, message, except })

const EMPTY = new Uint8Array(0)
