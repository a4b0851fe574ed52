/**
 * What the runtime itself tells the sender, next to the handler's commands: connections joining
 * and leaving, Pong replies (RFC 6455 §5.5.3), the idle watch's verdict, and shutdown. Users never
 * build these; they share the sender's inbox so that one queue orders everything a client is sent.
 */
import type { PermessageDeflate } from "@wspipe/codec"
import type { Connection } from "../connection/connection.js"
import type { Framing } from "../actors/sender/framing.js"
import type { Command } from "./command.js"
import type { SocketLink } from "./outbound.js"

/**
 * A connection joins the registry (before the receiver announces it to the handler), with its wire
 * protocol's framing and, when it compresses, permessage-deflate's agreed parameters.
 */
export interface Register {
  readonly _tag: "Register"
  readonly conn: Connection
  readonly link: SocketLink
  readonly framing: Framing
  readonly deflate: PermessageDeflate.Agreement | undefined
}
/** Answer a Ping (RFC 6455 §5.5.3). Sent by the receiver straight to the sender. */
export interface Pong {
  readonly _tag: "Pong"
  readonly to: Connection
  readonly data: Uint8Array
}
/** The idle watch found `to` silent for `idleTimeoutMs`: ping it (RFC 6455 §5.5.2; nothing on draft-76, which has no ping). */
export interface IdlePing {
  readonly _tag: "IdlePing"
  readonly to: Connection
}
/** The idle watch found `to` silent past its ping: fail it with 1001. */
export interface IdleTimeout {
  readonly _tag: "IdleTimeout"
  readonly to: Connection
}
/** A command from another node (through the bus): delivered to this node's connections only, never published again. */
export interface Remote {
  readonly _tag: "Remote"
  readonly command: Command
}
/** Close every connection with `code` (1001 on shutdown). */
export interface CloseAll {
  readonly _tag: "CloseAll"
  readonly code: number
  readonly reason: string
}

/**
 * How a connection ended, as the receiver saw it: the peer's Close (`PeerClose`: echo it,
 * RFC 6455 §5.5.1), a protocol violation (`Fail`: Close with `code`, §7.1.7), or the end of TCP
 * (`Gone`: forget it). The receiver puts it into the handler's inbox right behind the connection's
 * `Closed` event, and it travels the handler's side of the pipeline in band (see `Inbox`): it
 * passes each actor at that actor's next take, so it reaches the sender after every reply the
 * handler made to what came before it. A class, so an inbox tells it from user items by
 * `instanceof`, whatever their `_tag`.
 */
export class Ending {
  constructor(
    readonly _tag: "PeerClose" | "Fail" | "Gone",
    readonly to: Connection,
    /** PeerClose: the peer's code, 1005 when its frame had none; Fail: the code to close with. */
    readonly code: number,
    readonly reason: string
  ) {}
}

export type RuntimeMessage = Register | Pong | IdlePing | IdleTimeout | CloseAll | Remote | Ending

export const Register = (conn: Connection, link: SocketLink, framing: Framing, deflate?: PermessageDeflate.Agreement): Register => ({
  _tag: "Register",
  conn,
  link,
  framing,
  deflate
})
export const Pong = (to: Connection, data: Uint8Array): Pong => ({ _tag: "Pong", to, data })
export const IdlePing = (to: Connection): IdlePing => ({ _tag: "IdlePing", to })
export const IdleTimeout = (to: Connection): IdleTimeout => ({ _tag: "IdleTimeout", to })
export const CloseAll = (code: number, reason: string): CloseAll => ({ _tag: "CloseAll", code, reason })
export const Remote = (command: Command): Remote => ({ _tag: "Remote", command })
export const PeerClose = (to: Connection, code: number): Ending => new Ending("PeerClose", to, code, "")
export const Fail = (to: Connection, code: number, reason: string): Ending => new Ending("Fail", to, code, reason)
export const Gone = (to: Connection): Ending => new Ending("Gone", to, 1006, "")

/** Is `u` an ending (and not a user's item)? */
export const isEnding = (u: unknown): u is Ending => u instanceof Ending
