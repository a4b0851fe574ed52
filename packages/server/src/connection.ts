/**
 * A client connection as the actors see it: an identity plus what the handshake established.
 * The Erlang original passes a pid (`From`); we pass this record. It carries no socket: only the
 * socket receiver and socket sender touch the socket. The request headers are not kept (they
 * cost more memory than the rest of an idle connection): they come once, in the `Open` event.
 */
import type { ExtensionOffer } from "@wspipe/codec"

/**
 * One accepted WebSocket connection.
 *
 * @example
 * ```ts
 * if (event._tag === "Message") console.log(event.conn.id, event.conn.path)
 * ```
 */
export interface Connection {
  /** Unique for the life of the server (a counter, never reused). */
  readonly id: number
  /** Request path without the query, e.g. `/chat`. */
  readonly path: string
  /** Query string without `?` (may be empty). */
  readonly query: string
  /** The subprotocol the handshake selected, if any (RFC 6455 §4.2.2 `Sec-WebSocket-Protocol`). */
  readonly protocol: string | undefined
  /** The extensions the handshake accepted (none until permessage-deflate lands). */
  readonly extensions: ReadonlyArray<ExtensionOffer>
  /** Peer address as seen by the socket (`127.0.0.1:51234`). */
  readonly remoteAddress: string
}

let nextId = 1

/** @internal Creates a connection record with a fresh id. */
export const makeConnection = (fields: Omit<Connection, "id">): Connection => ({ id: nextId++, ...fields })
