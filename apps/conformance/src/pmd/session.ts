/**
 * One permessage-deflate connection from the client's side (RFC 7692): the offer we made, the
 * agreement the server's answer makes (checked, src/pmd/offer.ts), our compressor for what we send
 * and a {@link FrameFilter} that reassembles and inflates what the server sends, checking the
 * frame rules of §6.1: RSV1 only on the first frame of a compressed message, never on a
 * continuation or control frame.
 */
import type { FrameSpec, ReadFrame, ResponseHead } from "@wspipe/test-frames"
import type { FrameFilter, RawClient } from "../raw-client.js"
import { checkAnswer, offerHeader, type DeflateAgreement, type DeflateOffer } from "./offer.js"
import { ClientDeflater, ClientInflater } from "./zlib-codec.js"

export const RSV1 = 0x40

/** How one message of the server arrived. */
export interface ReceivedMessage {
  readonly compressed: boolean
  readonly frames: number
  /** Payload bytes on the wire (compressed size when compressed). */
  readonly wireBytes: number
}

export class DeflateSession implements FrameFilter {
  readonly violations: string[] = []
  readonly received: ReceivedMessage[] = []
  /** The agreement; undefined when the server declined (or before the handshake). */
  agreement: DeflateAgreement | undefined
  /** Why the server's answer is invalid (RFC 7692 §7.1), if it is. */
  answerProblem: string | undefined
  deflater: ClientDeflater | undefined
  private inflater: ClientInflater | undefined
  private current: { opcode: number; compressed: boolean; parts: Buffer[]; masked: boolean } | undefined

  constructor(
    readonly offers: readonly DeflateOffer[],
    readonly options: { readonly level?: number; readonly maxMessageSize?: number } = {}
  ) {}

  /** The request header carrying our offers. */
  get requestHeaders(): Record<string, string> {
    return { "Sec-WebSocket-Extensions": offerHeader(this.offers) }
  }

  upgraded(head: ResponseHead): number {
    const r = checkAnswer(this.offers, head.headers.get("sec-websocket-extensions"))
    if (typeof r === "string") {
      this.answerProblem = r
      return 0
    }
    this.agreement = r
    if (r === undefined) return 0
    this.deflater = new ClientDeflater({ ...r.client, ...(this.options.level !== undefined ? { level: this.options.level } : {}) })
    this.inflater = new ClientInflater({
      ...r.server,
      ...(this.options.maxMessageSize !== undefined ? { maxOutput: this.options.maxMessageSize } : {})
    })
    return RSV1 // §6: permessage-deflate uses RSV1
  }

  frame(f: ReadFrame): ReadFrame[] {
    const rsv1 = (f.rsv & RSV1) !== 0
    if (f.opcode >= 8) {
      // §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames".
      if (rsv1) this.violations.push(`server set RSV1 on a control frame (opcode ${f.opcode}) (RFC 7692 §6.1)`)
      return [f]
    }
    if (f.opcode === 0) {
      // §6.1: the bit is set on the first frame only, never on continuation frames.
      if (rsv1) this.violations.push("server set RSV1 on a continuation frame (RFC 7692 §6.1)")
      if (this.current === undefined) return [f] // the assembler reports the stray continuation
      this.current.parts.push(f.payload)
      this.current.masked ||= f.masked
    } else if (f.opcode === 1 || f.opcode === 2) {
      if (this.current !== undefined) this.violations.push("server started a new data message inside a fragmented one (RFC 6455 §5.4)")
      if (rsv1 && this.inflater === undefined) this.violations.push("server set RSV1 without an agreed extension (RFC 6455 §5.2)")
      this.current = { opcode: f.opcode, compressed: rsv1, parts: [f.payload], masked: f.masked }
    } else return [f]
    if (!f.fin) return []
    const m = this.current
    this.current = undefined
    const wire = Buffer.concat(m.parts)
    this.received.push({ compressed: m.compressed, frames: m.parts.length, wireBytes: wire.length })
    let payload: Buffer = wire
    if (m.compressed && this.inflater !== undefined) {
      try {
        payload = this.inflater.inflate(wire)
      } catch (e) {
        this.violations.push(
          `server's compressed message (${wire.length} B) does not inflate with the agreed window: ${(e as Error).message} (RFC 7692 §7.2.2)`
        )
        payload = Buffer.alloc(0)
      }
    }
    // One whole frame for the assembler, which checks kind and UTF-8 (RFC 6455 §8.1) of the inflated data.
    return [{ fin: true, rsv: 0, opcode: m.opcode, masked: m.masked, payload }]
  }

  /**
   * The frames of one compressed message (§7.2.1): the compressed payload cut into frames of at
   * most `fragmentSize` bytes (0: one frame), RSV1 on the first only (§6.1), each masked with a
   * fresh key (RFC 6455 §5.3).
   */
  compressedFrames(opcode: 1 | 2, data: Buffer, fragmentSize = 0): { frames: FrameSpec[]; compressedBytes: number } {
    if (this.deflater === undefined) throw new Error("permessage-deflate was not agreed")
    const payload = this.deflater.compress(data)
    const size = fragmentSize > 0 ? fragmentSize : Math.max(1, payload.length)
    const frames: FrameSpec[] = []
    for (let at = 0; at === 0 || at < payload.length; at += size) {
      const last = at + size >= payload.length
      frames.push({ opcode: at === 0 ? opcode : 0, rsv: at === 0 ? RSV1 : 0, fin: last, payload: payload.subarray(at, at + size) })
    }
    return { frames, compressedBytes: payload.length }
  }
}

/** Connects with the session's offers as its frame filter. */
export const connectDeflate = (
  ctx: { connect(o?: Parameters<typeof RawClient.connect>[1]): Promise<RawClient> },
  session: DeflateSession
) => ctx.connect({ request: { headers: session.requestHeaders }, filter: session })
