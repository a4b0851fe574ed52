/**
 * permessage-deflate on the sender's side (RFC 7692 §7.2.1): a registered connection that agreed
 * to it has a deflater; a message to it is compressed (once per broadcast for every recipient
 * whose parameters allow sharing the bytes) and framed with RSV1 on its first frame (§6), or sent
 * as it is below the threshold. A big message is compressed in slices off the sender's loop: its
 * frame, and everything queued for that connection after it, go out when it is done, in order.
 */
import { Encoder, Frame, PermessageDeflate } from "@wspipe/codec"
import type { Broadcast, MessageDeflater } from "../../deflate/deflater.js"
import type { DeflateEngine } from "../../deflate/engine.js"
import type { Pending } from "../../deflate/errors.js"
import type { Outgoing } from "../../messages/command.js"
import { type Framed, Parts } from "../../messages/outbound.js"
import { payloadOf, type PerFraming } from "./framing.js"
import type { Entry } from "./state.js"

/** What a deflater's late result is for. */
export interface Token {
  readonly entry: Entry
  readonly message: PerFraming
}

/** From this payload size a compressed frame goes out as header + payload, like an uncompressed one. */
const SEPARATE_PAYLOAD = 64 * 1024

/**
 * One message's compressed forms: the shared compression (`Broadcast`, made on first use) and the
 * frames made of each distinct compressed payload (recipients sharing bytes share the frame).
 */
export class Compressed {
  private broadcast: Broadcast | undefined = undefined
  private readonly frames = new Map<Uint8Array, Framed>()

  constructor(
    private readonly outgoing: Outgoing,
    private readonly fragmentSize: number | undefined
  ) {}

  /** The compressed payload for `deflater` (or `undefined`: send it plain), or `Pending`. */
  for(engine: DeflateEngine, deflater: MessageDeflater<Token>, token: Token): Uint8Array | undefined | typeof Pending {
    this.broadcast ??= engine.broadcast(payloadOf(this.outgoing).data)
    return this.broadcast.for(deflater, token)
  }

  /** The frame of a compressed payload: RSV1 on the first frame (RFC 7692 §6), fragments after it. */
  frame(payload: Uint8Array): Framed {
    let framed = this.frames.get(payload)
    if (framed !== undefined) return framed
    const kind = payloadOf(this.outgoing).messageKind
    const opcode = kind === "text" ? 1 : 2
    framed =
      this.fragmentSize !== undefined
        ? Encoder.message(kind, payload, { rsv: PermessageDeflate.RSV1, fragmentSize: this.fragmentSize })
        : payload.byteLength >= SEPARATE_PAYLOAD
          ? Parts(Encoder.header(opcode, payload.byteLength, { rsv: PermessageDeflate.RSV1 }), payload)
          : Encoder.frame(opcode, payload, { rsv: PermessageDeflate.RSV1 })
    this.frames.set(payload, framed)
    return framed
  }
}

/** Pre-framed `Frame`s go out as framed: an uncompressed frame is valid on a deflate connection (§6). */
export const compressible = (message: Outgoing): boolean => !Frame.isFrame(message)
