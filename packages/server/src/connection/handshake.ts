/**
 * The handler's say in the opening handshake (RFC 6455 §4.2.2). It is asked before a connection
 * joins the pipeline, so a rejected client never reaches the actors.
 */
import type { Negotiation, PermessageDeflate } from "@wspipe/codec"
import type { Effect } from "effect"
import type { Variant } from "./connection.js"

/** What the handler sees of an upgrade request that passed the codec's validation. */
export interface HandshakeRequest {
  readonly path: string
  readonly query: string
  /** Lowercase names, repeated headers joined with ", ", null prototype. */
  readonly headers: Readonly<Record<string, string>>
  /** Subprotocols the client offered, in its order of preference (§4.2.1 item 10). */
  readonly protocols: ReadonlyArray<string>
  readonly extensions: ReadonlyArray<Negotiation.ExtensionOffer>
  readonly remoteAddress: string
  /** Which protocol the client asks for: RFC 6455, or draft-hixie-76 (only with `legacyHixie76`). A hook may refuse either. */
  readonly variant: Variant
  /**
   * The permessage-deflate parameters the server would agree to for this client's offers
   * (`extensions`), or `undefined` when it offered none acceptable or compression is off. Refuse it
   * for this connection with `Handshake.accept({ compression: false })`.
   */
  readonly compression: PermessageDeflate.Agreement | undefined
}

/** Accept: optionally pick one of the offered subprotocols, add response headers, attach data. */
export interface Accept {
  readonly _tag: "Accept"
  readonly protocol: string | undefined
  readonly headers: Readonly<Record<string, string>>
  /** Given to the handler in the `Open` event. */
  readonly data: unknown
  /** `false`: this connection goes without permessage-deflate even though the client offered it. */
  readonly compression: boolean
}

/** Reject with an HTTP status; `reason` goes into the `Error` response header (as ExWs does). */
export interface Reject {
  readonly _tag: "Reject"
  readonly status: number
  readonly reason: string
  readonly headers: Readonly<Record<string, string>>
}

export type Decision = Accept | Reject

/** A handshake hook: a decision, or an Effect of one. */
export type HandshakeHook<R = never> = (request: HandshakeRequest) => Decision | Effect.Effect<Decision, unknown, R>

/**
 * @example
 * ```ts
 * const handshake = (req: HandshakeRequest) =>
 *   req.headers["authorization"] === "Bearer s3cret"
 *     ? accept({ protocol: req.protocols.includes("chat.v1") ? "chat.v1" : undefined })
 *     : reject(401, "missing or bad token")
 * ```
 */
export const accept = (
  options: {
    readonly protocol?: string | undefined
    readonly headers?: Readonly<Record<string, string>>
    readonly data?: unknown
    readonly compression?: boolean
  } = {}
): Accept => ({
  _tag: "Accept",
  protocol: options.protocol,
  headers: options.headers ?? {},
  data: options.data,
  compression: options.compression ?? true
})

/** Reject with `status` (4xx/5xx) and a human `reason`. */
export const reject = (status: number, reason: string, headers: Readonly<Record<string, string>> = {}): Reject => ({
  _tag: "Reject",
  status,
  reason,
  headers
})
