/**
 * Events the receiver gives the handler (DESIGN §1). In the Erlang original the handler receives
 * `{message, Data, From}`; here it receives `Message(conn, kind, data)`.
 */
import type { MessageKind } from "@wspipe/codec"
import type { Connection } from "./connection.js"
import type { HandshakeRequest } from "./handshake.js"

/**
 * A connection completed its handshake and joined the pipeline. `data` is what the handshake
 * decision attached (`Handshake.accept({ data })`); the callback API keeps its initial state there.
 */
export interface Open {
  readonly _tag: "Open"
  readonly conn: Connection
  readonly data: unknown
  /** The upgrade request (headers, offered protocols…); keep what you need, it is not kept for you. */
  readonly request: HandshakeRequest
}

/**
 * A complete data message. `data` is the payload bytes (for text, valid UTF-8: the receiver has
 * checked it). A `Message` is itself a valid outgoing message, so echo is `Command.unicast(e.conn, e)`.
 */
export interface Message { readonly _tag: "Message"; readonly conn: Connection; readonly kind: MessageKind; readonly data: Uint8Array }

/**
 * The connection left the pipeline. `code` is the peer's close code, 1005 when its Close frame had
 * none, 1006 when TCP ended without a Close frame (RFC 6455 §7.1.5), or the code the server closed
 * with (protocol errors: 1002/1007/1009; shutdown: 1001).
 */
export interface Closed { readonly _tag: "Closed"; readonly conn: Connection; readonly code: number; readonly reason: string }

export type Event = Open | Message | Closed

export const Open = (conn: Connection, data: unknown, request: HandshakeRequest): Open => ({ _tag: "Open", conn, data, request })
export const Message = (conn: Connection, kind: MessageKind, data: Uint8Array): Message => ({ _tag: "Message", conn, kind, data })
export const Closed = (conn: Connection, code: number, reason: string): Closed => ({ _tag: "Closed", conn, code, reason })

const decoder = new TextDecoder()

/**
 * The text of a message (decodes the bytes; the receiver already validated UTF-8).
 *
 * @example
 * ```ts
 * if (e._tag === "Message" && e.kind === "text") console.log(Event.text(e))
 * ```
 */
export const text = (message: Message): string => decoder.decode(message.data)
