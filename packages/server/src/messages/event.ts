/**
 * Events the receiver gives the handler. In the Erlang original the handler receives
 * `{message, Data, From}`; here it receives `Message(conn, kind, data)`.
 */
import type { Opcode } from "@wspipe/codec"
import type { Connection } from "../connection/connection.js"
import type { HandshakeRequest } from "../connection/handshake.js"

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
export interface Message {
  readonly _tag: "Message"
  readonly conn: Connection
  readonly kind: Opcode.MessageKind
  readonly data: Uint8Array
}

/**
 * Where a connection's ending came from (as Cowboy's `terminate_reason` tells them apart):
 * - `"peer"`: the client sent a Close frame first;
 * - `"protocol"`: the client broke the protocol, the server closed with 1002/1007/1009 (RFC 6455 §7.1.7);
 * - `"server"`: the server started the close (a handler's `Command.close`, or a slow consumer: 1008);
 * - `"idle"`: the idle timeout (no answer to the server's ping);
 * - `"shutdown"`: the server is shutting down (1001);
 * - `"transport"`: TCP ended or failed without a closing handshake (1006).
 */
export type ClosedOrigin = "peer" | "protocol" | "server" | "idle" | "shutdown" | "transport"

/**
 * The connection is leaving the pipeline: its ending follows this event to the sender, behind
 * whatever the handler sends in reply. Such replies still reach a client that closed first or
 * broke the protocol (just before the server's Close reply, RFC 6455 §5.5.1); otherwise the
 * server's Close has already gone (or TCP has) and they are dropped. `code` is the peer's close
 * code (1005 when its Close frame had none), the code the server closed with (protocol errors,
 * idle timeout, shutdown, a handler's close), or 1006 when TCP ended without a closing handshake
 * (RFC 6455 §7.1.5). `origin` says who ended it.
 */
export interface Closed {
  readonly _tag: "Closed"
  readonly conn: Connection
  readonly code: number
  readonly reason: string
  readonly origin: ClosedOrigin
}

export type Event = Open | Message | Closed

export const Open = (conn: Connection, data: unknown, request: HandshakeRequest): Open => ({ _tag: "Open", conn, data, request })
export const Message = (conn: Connection, kind: Opcode.MessageKind, data: Uint8Array): Message => ({ _tag: "Message", conn, kind, data })
export const Closed = (conn: Connection, code: number, reason: string, origin: ClosedOrigin): Closed => ({
  _tag: "Closed",
  conn,
  code,
  reason,
  origin
})

const decoder = new TextDecoder()

/**
 * The text of a message (decodes the bytes; the receiver already validated UTF-8).
 *
 * @example
 * ```ts
 * import { Event } from "@wspipe/server"
 *
 * const show = (e: Event.Event) => e._tag === "Message" && e.kind === "text" ? Event.text(e) : ""
 * ```
 */
export const text = (message: Message): string => decoder.decode(message.data)
