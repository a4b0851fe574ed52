/**
 * Framing of outgoing messages: one place that turns any `Outgoing` into wire bytes (RFC 6455
 * §5.6). Pre-framed `Frame`s pass through untouched.
 */
import { encodeFrame, encodeFrameHeader, encodeMessage, Frame, Opcode } from "@wspipe/codec"
import type { Outgoing } from "../../messages/command.js"
import { type Framed, Parts } from "../../messages/outbound.js"

/**
 * From this payload size a frame is sent as header + payload (one `writev`) instead of being
 * copied behind its header: copying a megabyte costs more than the extra buffer in the write.
 */
const SEPARATE_PAYLOAD = 64 * 1024

const frameBytes = (opcode: number, data: Uint8Array): Framed =>
  data.byteLength >= SEPARATE_PAYLOAD ? Parts(encodeFrameHeader(opcode, data.byteLength), data) : encodeFrame(opcode, data)

/**
 * Frames `message` once; `fragmentSize` (when set) splits large messages into fragments (§5.4).
 *
 * @example
 * ```ts
 * const bytes = frameOutgoing("hello", undefined) // 0x81 0x05 h e l l o
 * ```
 */
export const frameOutgoing = (message: Outgoing, fragmentSize: number | undefined): Framed => {
  if (typeof message === "string") {
    return fragmentSize === undefined ? encodeMessage("text", message) : encodeMessage("text", message, { fragmentSize })
  }
  if (message instanceof Uint8Array) {
    return fragmentSize === undefined ? frameBytes(Opcode.Binary, message) : encodeMessage("binary", message, { fragmentSize })
  }
  if (Frame.isFrame(message)) return message.bytes
  if (fragmentSize !== undefined) return encodeMessage(message.kind, message.data, { fragmentSize })
  return frameBytes(message.kind === "text" ? Opcode.Text : Opcode.Binary, message.data)
}
