/**
 * From server frames to messages and control events, checking the server's side of message rules:
 * fragmentation (RFC 6455 §5.4), nothing after its Close (§5.5.1), valid close codes (§7.4) and
 * UTF-8 in text and close reasons (§5.5.1, §8.1). Violations are recorded, never thrown.
 *
 * @module
 */
import type { ReadFrame } from "./decode.js"

/**
 * What the server said: a whole message, a ping or pong, or its Close (`code` undefined when the
 * Close carried none; `payload` is the raw close payload).
 *
 * @example
 * ```ts
 * const e: ServerEvent = { type: "message", kind: "text", data: Buffer.from("hi") }
 * ```
 */
export type ServerEvent =
  | { readonly type: "message"; readonly kind: "text" | "binary"; readonly data: Buffer }
  | { readonly type: "ping" | "pong"; readonly data: Buffer }
  | { readonly type: "close"; readonly code: number | undefined; readonly reason: string; readonly payload: Buffer }

const fatal = new TextDecoder("utf-8", { fatal: true })

/**
 * Whether `bytes` are well-formed UTF-8 (RFC 3629), by a fatal `TextDecoder`: an implementation
 * independent of the codec's validator.
 *
 * @example
 * ```ts
 * isValidUtf8(Buffer.from("κόσμε"))           // true
 * isValidUtf8(Uint8Array.of(0xed, 0xa0, 0x80)) // false: a surrogate
 * ```
 */
export const isValidUtf8 = (bytes: Uint8Array): boolean => {
  try {
    fatal.decode(bytes)
    return true
  } catch {
    return false
  }
}

/**
 * Close codes an endpoint may put on the wire (RFC 6455 §7.4.1, §7.4.2, IANA registry):
 * 1000–1003, 1007–1014 and 3000–4999. 1004, 1005, 1006, 1015 and everything else MUST NOT be sent.
 *
 * @example
 * ```ts
 * isSendableCloseCode(1000) // true
 * isSendableCloseCode(1005) // false: reserved for "no status received"
 * ```
 */
export const isSendableCloseCode = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)

/**
 * Code and reason of a Close payload (RFC 6455 §5.5.1): `code` undefined when there is none (an
 * empty payload, or an invalid 1-byte one); the reason decoded as UTF-8 (replacement characters if
 * it is not: see {@link checkClose}).
 *
 * @example
 * ```ts
 * parseClose(closePayload(1000, "bye")) // { code: 1000, reason: "bye" }
 * parseClose(Buffer.alloc(0))           // { code: undefined, reason: "" }
 * ```
 */
export const parseClose = (payload: Uint8Array): { code: number | undefined; reason: string } =>
  payload.length < 2
    ? { code: undefined, reason: "" }
    : {
        code: (payload[0]! << 8) | payload[1]!,
        reason: Buffer.from(payload.buffer, payload.byteOffset + 2, payload.length - 2).toString("utf8")
      }

/**
 * What is wrong with a Close payload a server sent, per RFC 6455 §5.5.1 and §7.4 (empty: nothing).
 *
 * @example
 * ```ts
 * checkClose(closePayload(1005)) // ["server sent close code 1005, which MUST NOT be sent (RFC 6455 §7.4)"]
 * ```
 */
export const checkClose = (payload: Uint8Array): Array<string> => {
  if (payload.length === 0) return []
  if (payload.length === 1) return ["server sent a Close frame with a 1-byte payload (RFC 6455 §5.5.1)"]
  const problems: Array<string> = []
  const code = (payload[0]! << 8) | payload[1]!
  if (!isSendableCloseCode(code)) problems.push(`server sent close code ${code}, which MUST NOT be sent (RFC 6455 §7.4)`)
  if (!isValidUtf8(payload.subarray(2))) problems.push("server close reason is not valid UTF-8 (RFC 6455 §5.5.1)")
  return problems
}

/**
 * Turns the server's frames into {@link ServerEvent}s: reassembles fragments, checks §5.4 (no
 * continuation without a message, no new message inside one), §8.1 (text is UTF-8), the Close
 * payload, and that nothing follows the server's Close (§5.5.1).
 *
 * @example
 * ```ts
 * const reader = new FrameReader()
 * const messages = new MessageAssembler()
 * const events = reader.push(chunk).map((f) => messages.push(f)).filter((e) => e !== undefined)
 * const problems = [...reader.violations, ...messages.violations]
 * ```
 */
export class MessageAssembler {
  private fragments: Array<Buffer> | undefined = undefined
  private kind: "text" | "binary" = "text"
  private closed = false
  /** Every RFC 6455 message rule the server broke, in order. */
  readonly violations: Array<string> = []

  /** The event `frame` completes, if any. Reserved opcodes (flagged by the reader) give none. */
  push(frame: ReadFrame): ServerEvent | undefined {
    if (this.closed) {
      // §5.5.1: after sending a Close frame, the endpoint MUST NOT send any more data frames.
      this.violations.push(`server sent a frame (opcode ${frame.opcode}) after its Close frame (RFC 6455 §5.5.1)`)
      return undefined
    }
    switch (frame.opcode) {
      case 0x0:
        if (this.fragments === undefined) {
          this.violations.push("server sent a continuation frame with no message to continue (RFC 6455 §5.4)")
          return undefined
        }
        this.fragments.push(frame.payload)
        return frame.fin ? this.finish() : undefined
      case 0x1:
      case 0x2:
        if (this.fragments !== undefined) {
          this.violations.push("server started a new data message inside a fragmented one (RFC 6455 §5.4)")
        }
        this.fragments = [frame.payload]
        this.kind = frame.opcode === 0x1 ? "text" : "binary"
        return frame.fin ? this.finish() : undefined
      case 0x9:
        return { type: "ping", data: frame.payload }
      case 0xa:
        return { type: "pong", data: frame.payload }
      case 0x8: {
        this.closed = true
        this.violations.push(...checkClose(frame.payload))
        return { type: "close", ...parseClose(frame.payload), payload: frame.payload }
      }
      default:
        return undefined
    }
  }

  private finish(): ServerEvent {
    const parts = this.fragments!
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    this.fragments = undefined
    // §8.1: a text message MUST be valid UTF-8; a server must never emit anything else.
    if (this.kind === "text" && !isValidUtf8(data)) {
      this.violations.push("server sent a text message that is not valid UTF-8 (RFC 6455 §8.1)")
    }
    return { type: "message", kind: this.kind, data }
  }
}
