/**
 * A client connection as the actors see it: an identity plus what the handshake established.
 * The Erlang original passes a pid (`From`); we pass this record. It carries no socket: only the
 * socket receiver and socket sender touch the socket. The request headers are not kept (they
 * cost more memory than the rest of an idle connection): they come once, in the `Open` event.
 */
import type { Negotiation } from "@wspipe/codec"
import type { ClosedOrigin } from "../messages/event.js"

/**
 * Where a connection lives: its node (a server process on the bus) and its id there. Commands
 * address connections by this, so a connection of another node can be sent to and closed
 * (through the bus); a `Connection` is one.
 *
 * @example
 * ```ts
 * import type { Address } from "@wspipe/server"
 *
 * const key = (a: Address) => `${a.node}/${a.id}`
 * ```
 */
export interface Address {
  readonly id: number
  /** The node's id: unique among the nodes of a bus (random unless `bus.nodeId` sets it). */
  readonly node: string
}

/**
 * One accepted WebSocket connection.
 *
 * @example
 * ```ts
 * import type { Connection } from "@wspipe/server"
 *
 * const describe = (conn: Connection) => `#${conn.id} ${conn.path} from ${conn.remoteAddress}`
 * ```
 */
export interface Connection extends Address {
  /** Unique for the life of the server process (a counter, never reused); with `node`, unique on a bus. */
  readonly id: number
  /** Request path without the query, e.g. `/chat`. */
  readonly path: string
  /** Query string without `?` (may be empty). */
  readonly query: string
  /** The subprotocol the handshake selected, if any (RFC 6455 §4.2.2 `Sec-WebSocket-Protocol`). */
  readonly protocol: string | undefined
  /** The extensions the handshake accepted. */
  readonly extensions: ReadonlyArray<Negotiation.ExtensionOffer>
  /** Peer address as seen by the socket (`127.0.0.1:51234`). */
  readonly remoteAddress: string
  /**
   * The wire protocol: RFC 6455, or the pre-RFC draft-hixie-76 (only with the server option
   * `legacyHixie76`: text messages only, no Ping, no close codes on the wire).
   */
  readonly variant: Variant
}

/** The wire protocols a connection can speak. */
export type Variant = "rfc6455" | "hixie76"

/** Who started a close the server initiated, and with what (see `Event.Closed`). */
export interface CloseStart {
  readonly origin: ClosedOrigin
  readonly code: number
  readonly reason: string
}

/** What a connection's reading can be asked to do (the socket receiver implements it). */
export interface Reading {
  readonly pause: () => void
  readonly resume: () => void
}

/**
 * The runtime's record of a connection: the public fields, plus two slots that actors other than
 * their owner read. Both are named side paths (docs/design-decisions.md):
 * - `closing`, written by the sender when the server starts a close (a handler's close, idle
 *   timeout, shutdown, slow consumer) and read by the receiver when it reports `Closed`, so the
 *   handler learns the ending's origin. Written before the Close frame leaves, read after the
 *   peer's answer arrives: the order is the wire's.
 * - `reading`, set when the socket receiver starts, used by `Reading.pause/resume` (a handler
 *   asking to stop reading one client).
 * - `inputEnded`, set by the receiver once it has reported the connection's ending (the peer's
 *   Close, a protocol error) and read by the socket receiver, which then does not report the end
 *   of TCP: the receiver has nothing left to do with it.
 */
export interface ConnectionRecord extends Connection {
  closing: CloseStart | undefined
  reading: Reading | undefined
  inputEnded: boolean
}

let nextId = 1

/**
 * Creates a connection record with a fresh id. Every field is written out, not spread: V8 gives
 * an object literal with a spread only a few fields of its own and puts the rest in a property
 * array (64 + 64 B per connection in a heap snapshot); this literal is one 112 B object.
 */
export const makeConnection = (fields: Omit<Connection, "id">): ConnectionRecord => ({
  id: nextId++,
  path: fields.path,
  query: fields.query,
  protocol: fields.protocol,
  extensions: fields.extensions,
  remoteAddress: fields.remoteAddress,
  variant: fields.variant,
  node: fields.node,
  closing: undefined,
  reading: undefined,
  inputEnded: false
})

/** The runtime's view of a connection given to it (user code may pass a plain `Connection`). */
export const record = (conn: Connection): Partial<ConnectionRecord> => conn as Partial<ConnectionRecord>
