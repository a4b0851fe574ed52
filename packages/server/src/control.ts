/**
 * What the runtime itself tells the sender, next to the handler's commands: connections joining
 * and leaving, the receiver's control replies (RFC 6455 §5.5), and shutdown. Users never build
 * these; they share the sender's inbox so that one queue orders everything a client is sent.
 */
import type { Connection } from "./connection.js"
import type { Outbound } from "./outbound.js"

/** The write side of one connection, as the sender sees it (the socket sender implements it). */
export interface SocketLink {
  /**
   * Offers frames to the socket sender's bounded queue without waiting, and wakes it. Returns
   * what did not fit (the slow-consumer policy decides about it).
   */
  readonly offer: (items: ReadonlyArray<Outbound>) => ReadonlyArray<Outbound>
  /** Frames waiting in the socket sender's queue. */
  readonly queued: () => number
  /** Bytes waiting for this client: in the queue and in the socket's own buffer. */
  readonly buffered: () => number
  /**
   * Fails the connection without going through the queue (it is full): writes a Close with
   * `code` straight to the socket, ends TCP, and stops the socket sender.
   */
  readonly abort: (code: number, reason: string) => void
  /** Drops TCP at once (the peer did not answer our Close in time). */
  readonly destroy: () => void
}

/** A connection joins the registry (before the receiver announces it to the handler). */
export interface Register { readonly _tag: "Register"; readonly conn: Connection; readonly link: SocketLink }
/** Answer a Ping (RFC 6455 §5.5.3). */
export interface Pong { readonly _tag: "Pong"; readonly to: Connection; readonly data: Uint8Array }
/**
 * The peer sent Close (RFC 6455 §5.5.1): echo it unless we sent ours first, then end TCP (the
 * server closes TCP first, §7.1.1). `code` 1005 means the peer's frame had no code: echo none.
 */
export interface PeerClose extends Ending { readonly _tag: "PeerClose"; readonly to: Connection; readonly code: number; readonly reason: string }
/** The receiver found a protocol violation: send Close with `code` and end TCP (RFC 6455 §7.1.7). */
export interface Fail extends Ending { readonly _tag: "Fail"; readonly to: Connection; readonly code: number; readonly reason: string }
/** The connection is gone (TCP ended or failed): forget it. */
export interface Gone extends Ending { readonly _tag: "Gone"; readonly to: Connection }

/**
 * An ending the receiver reports. `mark` is how many events the receiver had given the handler
 * up to and including this connection's `Closed`: the sender carries the ending out only once the
 * handler has taken that many, and what the handler sent in reply has been routed, so replies to
 * earlier messages go out before the Close (RFC 6455 §5.5.1). 0 means "do not wait".
 */
export interface Ending {
  readonly mark: number
}
/** Close every connection with `code` (1001 on shutdown). */
export interface CloseAll { readonly _tag: "CloseAll"; readonly code: number; readonly reason: string }

export type Control = Register | Pong | PeerClose | Fail | Gone | CloseAll

export const Register = (conn: Connection, link: SocketLink): Register => ({ _tag: "Register", conn, link })
export const Pong = (to: Connection, data: Uint8Array): Pong => ({ _tag: "Pong", to, data })
export const PeerClose = (to: Connection, code: number, reason: string, mark = 0): PeerClose => ({ _tag: "PeerClose", to, code, reason, mark })
export const Fail = (to: Connection, code: number, reason: string, mark = 0): Fail => ({ _tag: "Fail", to, code, reason, mark })
export const Gone = (to: Connection, mark = 0): Gone => ({ _tag: "Gone", to, mark })

/**
 * How far the handler has got: the receiver counts the events it gave it, and what is still in
 * the handler's inbox has not been taken.
 */
export interface HandlerProgress {
  /** Events the receiver has offered to the handler so far. */
  offered: number
  /** Events the handler has taken so far. */
  readonly taken: () => number
}
export const CloseAll = (code: number, reason: string): CloseAll => ({ _tag: "CloseAll", code, reason })
