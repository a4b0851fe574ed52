/**
 * Close codes and close-frame payloads (RFC 6455 §5.5.1, §7.1.5, §7.4; IANA "WebSocket Close Code
 * Number Registry"). The payload of a Close frame is empty, or a 2-byte big-endian code followed by
 * a UTF-8 reason; the whole control-frame payload is ≤ 125 bytes (§5.5), so the reason is ≤ 123.
 *
 * Imported as a namespace: `Close.Code.Normal`, `Close.parsePayload(payload)`.
 *
 * @module
 */
import { ProtocolError } from "./errors.js"
import { isValid as isValidUtf8 } from "./utf8.js"

/**
 * Status codes defined by RFC 6455 §7.4.1 and the IANA registry (1012–1014 were registered later).
 * 1005, 1006 and 1015 are reserved for reporting and are never sent on the wire (§7.4.1).
 *
 * @example
 * ```ts
 * Close.Code.MessageTooBig // 1009
 * ```
 */
export const Code = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015
} as const

/**
 * A code of the {@link Code} table.
 *
 * @example
 * ```ts
 * const code: Close.Code = Close.Code.GoingAway
 * ```
 */
export type Code = (typeof Code)[keyof typeof Code]

/** Maximum reason length in bytes: 125-byte control payload (§5.5) minus the 2-byte code. */
const MAX_REASON_BYTES = 123

/**
 * May `code` appear in a Close frame on the wire? 1000–1003 and 1007–1014 (defined/registered),
 * 3000–4999 (libraries/applications, §7.4.2). 0–999 are unused, 1004 reserved, 1005/1006/1015 are
 * "MUST NOT be set as a status code in a Close control frame" (§7.4.1), 1016–2999 unassigned.
 *
 * @example
 * ```ts
 * Close.isValidWireCode(1000) // true
 * Close.isValidWireCode(1005) // false
 * ```
 */
export const isValidWireCode = (code: number): boolean =>
  Number.isInteger(code) && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))

/**
 * Is `code` in the range left to libraries and applications (3000–4999, RFC 6455 §7.4.2)?
 *
 * @example
 * ```ts
 * Close.isApplicationCode(4000) // true
 * Close.isApplicationCode(1000) // false
 * ```
 */
export const isApplicationCode = (code: number): boolean => Number.isInteger(code) && code >= 3000 && code <= 4999

const decoder = new TextDecoder("utf-8")

/**
 * Parse a received Close frame's payload (RFC 6455 §5.5.1). Empty → code 1005 ("no status", §7.4.1);
 * one byte → ProtocolError `"invalid-close-payload"` (1002); a code not valid on the wire →
 * `"invalid-close-code"` (1002); a reason that is not UTF-8 → `"invalid-close-reason"` (1007, §8.1).
 *
 * @example
 * ```ts
 * Close.parsePayload(Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65)) // { code: 1000, reason: "bye" }
 * Close.parsePayload(new Uint8Array(0))                           // { code: 1005, reason: "" }
 * ```
 */
export const parsePayload = (payload: Uint8Array): { code: number; reason: string } | ProtocolError => {
  if (payload.length === 0) return { code: Code.NoStatus, reason: "" }
  if (payload.length === 1) return new ProtocolError("invalid-close-payload", "close payload of 1 byte")
  const code = (payload[0]! << 8) | payload[1]!
  if (!isValidWireCode(code)) {
    return new ProtocolError("invalid-close-code", `invalid close code ${code}`)
  }
  if (payload.length === 2) return { code, reason: "" }
  const reasonBytes = payload.subarray(2)
  if (!isValidUtf8(reasonBytes)) {
    return new ProtocolError("invalid-close-reason", "close reason is not valid UTF-8")
  }
  return { code, reason: decoder.decode(reasonBytes) }
}

const encoder = new TextEncoder()

/**
 * Build a Close frame payload: the 2-byte big-endian `code` then the UTF-8 `reason` (§5.5.1).
 * The caller guarantees validity (see {@link checkArgs}).
 *
 * @example
 * ```ts
 * Close.encodePayload(1000, "bye") // Uint8Array [0x03, 0xe8, 0x62, 0x79, 0x65]
 * ```
 */
export const encodePayload = (code: number, reason = ""): Uint8Array => {
  const text = encoder.encode(reason)
  const out = new Uint8Array(2 + text.length)
  out[0] = (code >>> 8) & 0xff
  out[1] = code & 0xff
  out.set(text, 2)
  return out
}

/**
 * Validate a code/reason pair that user code wants to send in a Close frame. The error's `code` is
 * what a peer receiving such a frame would answer: an invalid code (`"invalid-close-code"`, §7.4.1)
 * or a reason over 123 bytes (`"close-reason-too-long"`, §5.5) is a protocol error (1002); an
 * ill-formed reason string (lone surrogate, so not encodable as UTF-8: `"invalid-close-reason"`)
 * is 1007 (§8.1).
 *
 * @example
 * ```ts
 * Close.checkArgs(1000, "bye")  // undefined: fine
 * Close.checkArgs(1005, "")     // ProtocolError "invalid-close-code" (1002): 1005 is never sent
 * ```
 */
export const checkArgs = (code: number, reason = ""): ProtocolError | undefined => {
  if (!isValidWireCode(code)) {
    return new ProtocolError("invalid-close-code", `close code ${code} may not be sent`)
  }
  let bytes = 0
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = reason.charCodeAt(i + 1) // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) {
        return new ProtocolError("invalid-close-reason", "close reason has a lone surrogate")
      }
      bytes += 4
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return new ProtocolError("invalid-close-reason", "close reason has a lone surrogate")
    } else bytes += 3
  }
  if (bytes > MAX_REASON_BYTES) {
    return new ProtocolError("close-reason-too-long", `close reason is ${bytes} bytes (max 123)`)
  }
  return undefined
}
