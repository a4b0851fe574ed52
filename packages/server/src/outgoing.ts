/**
 * Framing of outgoing messages: one place that turns any `Outgoing` into wire bytes (RFC 6455
 * §5.6). Pre-framed `Frame`s pass through untouched.
 */
import { encodeFrame, encodeMessage, Frame, Opcode } from "@wspipe/codec"
import type { Outgoing } from "./command.js"

/**
 * Frames `message` once; `fragmentSize` (when set) splits large messages into fragments (§5.4).
 *
 * @example
 * ```ts
 * const bytes = frameOutgoing("hello", undefined) // 0x81 0x05 h e l l o
 * ```
 */
export const frameOutgoing = (message: Outgoing, fragmentSize: number | undefined): Uint8Array => {
  if (typeof message === "string") {
    return fragmentSize === undefined ? encodeMessage("text", message) : encodeMessage("text", message, { fragmentSize })
  }
  if (message instanceof Uint8Array) {
    return fragmentSize === undefined
      ? encodeFrame(Opcode.Binary, message)
      : encodeMessage("binary", message, { fragmentSize })
  }
  if (Frame.isFrame(message)) return message.bytes
  if (fragmentSize !== undefined) return encodeMessage(message.kind, message.data, { fragmentSize })
  return encodeFrame(message.kind === "text" ? Opcode.Text : Opcode.Binary, message.data)
}
