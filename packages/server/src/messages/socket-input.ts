/**
 * What a socket receiver hands the receiver: raw bytes and the end of the stream.
 * `Attach` comes first for every connection, carrying the bytes that arrived with the handshake.
 */
import type { PermessageDeflate } from "@wspipe/codec"
import type { Connection, Variant } from "../connection/connection.js"
import type { HandshakeRequest } from "../connection/handshake.js"

/** A connection joins the pipeline; `rest` are bytes that followed the HTTP head (first frames). */
export interface Attach {
  readonly _tag: "Attach"
  readonly conn: Connection
  readonly rest: Uint8Array
  readonly options: DecoderOptions
  /** Passed on to the handler in `Open` (see `Handshake.accept`). */
  readonly data: unknown
  readonly request: HandshakeRequest
}
/**
 * Bytes read from the socket (everything that was buffered at once). The receiver calls
 * `credit.release` once it has decoded them: a socket receiver has only so many bytes in the
 * receiver's queue at a time, so one flooding client cannot fill it for everyone.
 */
export interface Chunk {
  readonly _tag: "Chunk"
  readonly conn: Connection
  readonly bytes: Uint8Array
  readonly credit: Credit | undefined
}

/** Gives a socket receiver back the allowance its chunk used. */
export interface Credit {
  readonly release: (bytes: number) => void
}
/** The peer closed its side of TCP (FIN). */
export interface Eof {
  readonly _tag: "Eof"
  readonly conn: Connection
}
/** The socket failed (reset, timeout). */
export interface SocketError {
  readonly _tag: "SocketError"
  readonly conn: Connection
  readonly cause: unknown
}

/**
 * Work of the receiver's that finished outside its loop (a big message inflated in slices), given
 * back to it through its own inbox so it runs in order with everything else.
 */
export interface Later {
  readonly _tag: "Later"
  readonly conn: Connection
  readonly run: () => void
}

export type SocketInput = Attach | Chunk | Eof | SocketError | Later

/** Per-connection limits the receiver's decoder applies, and which protocol's decoder. */
export interface DecoderOptions {
  readonly variant: Variant
  readonly maxFrameSize: number
  readonly maxMessageSize: number
  readonly allowedRsv: number
  /** permessage-deflate's agreed parameters: the receiver inflates this connection's messages. */
  readonly deflate?: PermessageDeflate.Agreement | undefined
}

export const Attach = (conn: Connection, rest: Uint8Array, options: DecoderOptions, data: unknown, request: HandshakeRequest): Attach => ({
  _tag: "Attach",
  conn,
  rest,
  options,
  data,
  request
})
export const Chunk = (conn: Connection, bytes: Uint8Array, credit?: Credit): Chunk => ({ _tag: "Chunk", conn, bytes, credit })
export const Eof = (conn: Connection): Eof => ({ _tag: "Eof", conn })
export const Later = (conn: Connection, run: () => void): Later => ({ _tag: "Later", conn, run })
export const SocketError = (conn: Connection, cause: unknown): SocketError => ({ _tag: "SocketError", conn, cause })
