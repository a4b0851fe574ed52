/**
 * Typed protocol errors. The codec never throws for bad input: parsers and validators return one of
 * these values. Each carries what the server must answer with, so the runtime never guesses.
 *
 * `_tag` makes them usable with Effect's `catchTag` without the codec depending on Effect.
 */

/**
 * A violation detected after the opening handshake: the connection must be closed with `code`
 * (RFC 6455 §7.4.1) and `reason` (a short human text, < 123 bytes so it fits a close frame).
 *
 * @example
 * ```ts
 * const err = new ProtocolError(1002, "unmasked client frame")
 * err.code // 1002
 * ```
 */
export class ProtocolError extends Error {
  readonly _tag = "ProtocolError" as const
  constructor(readonly code: number, readonly reason: string) {
    super(`${code}: ${reason}`)
    this.name = "ProtocolError"
  }
}

/**
 * A rejected opening handshake (RFC 6455 §4.2.1): answer with HTTP `status`, the reason in an
 * `Error` response header, plus any extra `headers` (426 carries `Sec-WebSocket-Version: 13`).
 *
 * @example
 * ```ts
 * const err = new HandshakeError(405, "method must be GET", { Allow: "GET" })
 * ```
 */
export class HandshakeError extends Error {
  readonly _tag = "HandshakeError" as const
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Readonly<Record<string, string>> = {}
  ) {
    super(`${status}: ${reason}`)
    this.name = "HandshakeError"
  }
}
