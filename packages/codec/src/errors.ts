/**
 * Typed protocol errors. The codec never throws for bad input: parsers and validators return one of
 * these values. Each carries what the server must answer with, so the runtime never guesses.
 *
 * `_tag` makes them usable with Effect's `catchTag` without the codec depending on Effect.
 *
 * @module
 */

/**
 * The close code each {@link ProtocolErrorKind} is answered with (RFC 6455 §7.4.1): 1002 for a
 * framing or close-frame rule, 1007 for data that is not what its type says (§8.1: text that is not
 * UTF-8), 1009 for a size limit (§10.4). The kind decides the code, so the two can never disagree.
 */
const CODES = {
  // §5.1: client frames are masked, server frames are not.
  "unmasked-frame": 1002,
  "masked-frame": 1002,
  // §5.2: opcodes 3–7 and 0xB–0xF are reserved.
  "invalid-opcode": 1002,
  // §5.2: an RSV bit is only legal when a negotiated extension defines it, and extensions define
  // them on the first frame of a data message only (RFC 7692 §6).
  "rsv-not-negotiated": 1002,
  "rsv-on-continuation": 1002,
  "rsv-on-control-frame": 1002,
  // §5.2: "the most significant bit MUST be 0" of a 64-bit length.
  "invalid-length": 1002,
  // §5.5: control frames carry ≤ 125 bytes and are never fragmented.
  "control-frame-too-big": 1002,
  "fragmented-control-frame": 1002,
  // §5.4: a continuation continues an open message; a new data frame may not interleave one.
  "unexpected-continuation": 1002,
  "expected-continuation": 1002,
  // §10.4: the endpoint's size limits (from the declared length, before buffering).
  "frame-too-big": 1009,
  "message-too-big": 1009,
  // §8.1: a text message that is not valid UTF-8, including one cut inside a sequence.
  "invalid-utf8": 1007,
  // §5.5.1: a close payload is empty or ≥ 2 bytes.
  "invalid-close-payload": 1002,
  // §7.4.1: a code that may not appear in a Close frame.
  "invalid-close-code": 1002,
  // §5.5.1, §8.1: the close reason is UTF-8 (received: not valid; to send: a lone surrogate).
  "invalid-close-reason": 1007,
  // §5.5: a 125-byte control payload leaves 123 bytes for the reason.
  "close-reason-too-long": 1002,
  // draft-hixie-76 §4.2: a frame type byte 0x01–0x7F the draft does not define.
  "invalid-frame-type": 1002
} as const

/**
 * What went wrong, as a stable string (like `ws`'s `WS_ERR_*` codes): match on it, not on the
 * human `reason`, which may change.
 *
 * @example
 * ```ts
 * const describe = (err: ProtocolError): string =>
 *   err.kind === "message-too-big" ? "message over the size limit" : err.reason
 * ```
 */
export type ProtocolErrorKind = keyof typeof CODES

/**
 * A violation detected after the opening handshake: the connection must be closed with `code`
 * (RFC 6455 §7.4.1, decided by `kind`) and `reason` (a short human text, < 123 bytes so it fits a
 * close frame).
 *
 * @example
 * ```ts
 * const err = new ProtocolError("unmasked-frame", "unmasked client frame")
 * err.kind // "unmasked-frame"
 * err.code // 1002
 * ```
 */
export class ProtocolError extends Error {
  readonly _tag = "ProtocolError" as const
  /** The close code to answer with (RFC 6455 §7.4.1): 1002, 1007 or 1009. */
  readonly code: number
  constructor(
    readonly kind: ProtocolErrorKind,
    readonly reason: string
  ) {
    const code = CODES[kind]
    super(`${code}: ${reason}`)
    this.name = "ProtocolError"
    this.code = code
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
