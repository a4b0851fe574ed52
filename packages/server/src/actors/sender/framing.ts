/**
 * Framing of outgoing messages, one `Framing` per wire protocol in use: RFC 6455 (§5), and the
 * opt-in draft-hixie-76 the Erlang original spoke. Each connection has one; a broadcast is framed
 * once per framing in use among its recipients, not once per recipient (`PerFraming`).
 * Pre-framed `Frame`s pass through untouched on RFC 6455.
 */
import { Encoder, Frame, Hixie76, Opcode } from "@wspipe/codec"
import type { Outgoing } from "../../messages/command.js"
import { type Framed, Parts } from "../../messages/outbound.js"
import { Prepared } from "../../messages/prepared.js"
import { Compressed } from "./compression.js"

/** How one wire protocol frames what the sender sends. */
export interface Framing {
  /** `"rfc6455"` or `"hixie76"`; also the metrics label. */
  readonly name: string
  /** A data message's bytes, or `undefined` when this protocol cannot carry it. */
  readonly message: (message: Outgoing, fragmentSize: number | undefined) => Framed | undefined
  /** The Close frame that starts or answers the closing handshake. */
  readonly close: (code: number, reason: string) => Uint8Array
  /** A Ping / Pong frame, or `undefined` when the protocol has none. */
  readonly ping: (data: Uint8Array) => Uint8Array | undefined
  readonly pong: (data: Uint8Array) => Uint8Array | undefined
}

/**
 * From this payload size a frame is kept as header + payload (`Parts`), which the socket sender
 * writes with `writev`, instead of being copied behind its header. It is the size from which
 * `Buffer.allocUnsafe` gives a frame an `ArrayBuffer` of its own instead of a slice of Node's
 * pool (`Buffer.poolSize >>> 1`, minus the 4-byte header): below it a copy into the pool is
 * cheaper than a longer writev; from it, a copy would also add an external buffer per message
 * that V8 has to track and sweep (docs/design-decisions.md, "Payloads from 4 KiB are not copied").
 */
const SEPARATE_PAYLOAD = (Buffer.poolSize >>> 1) - 4

const frameBytes = (opcode: number, data: Uint8Array): Framed =>
  data.byteLength >= SEPARATE_PAYLOAD ? Parts(Encoder.header(opcode, data.byteLength), data) : Encoder.frame(opcode, data)

/**
 * Frames `message` once for RFC 6455; `fragmentSize` (when set) splits large messages into
 * fragments (§5.4).
 *
 * @example
 * ```ts
 * import { Framing } from "@wspipe/server/internal"
 *
 * const bytes = Framing.frameOutgoing("hello", undefined) // 0x81 0x05 h e l l o
 * ```
 */
export const frameOutgoing = (message: Outgoing, fragmentSize: number | undefined): Framed => {
  if (typeof message === "string") {
    return fragmentSize === undefined ? Encoder.message("text", message) : Encoder.message("text", message, { fragmentSize })
  }
  if (message instanceof Uint8Array) {
    return fragmentSize === undefined ? frameBytes(Opcode.Binary, message) : Encoder.message("binary", message, { fragmentSize })
  }
  if (Frame.isFrame(message)) return message.bytes
  if (fragmentSize !== undefined) return Encoder.message(message.kind, message.data, { fragmentSize })
  return frameBytes(message.kind === "text" ? Opcode.Text : Opcode.Binary, message.data)
}

/** RFC 6455 framing. */
export const rfc6455: Framing = {
  name: "rfc6455",
  message: frameOutgoing,
  close: (code, reason) => (code === 1005 ? Encoder.close() : Encoder.close(code, reason)),
  ping: (data) => Encoder.frame(Opcode.Ping, data),
  pong: (data) => Encoder.frame(Opcode.Pong, data)
}

/**
 * The payload of a pre-framed single-frame text message (`Frame.text` without fragments): FIN +
 * text opcode, unmasked, its length in the header (RFC 6455 §5.2). Anything else: `undefined`.
 */
const textPayloadOf = (bytes: Uint8Array): Uint8Array | undefined => {
  if (bytes.length < 2 || bytes[0] !== 0x81) return undefined
  const len7 = bytes[1]! & 0x7f
  const start = len7 < 126 ? 2 : len7 === 126 ? 4 : 10
  const length = len7 < 126 ? len7 : len7 === 126 ? (bytes[2]! << 8) | bytes[3]! : bytes.length - 10
  return start + length === bytes.length ? bytes.subarray(start) : undefined
}

/**
 * draft-hixie-76 framing: text only (0x00 … 0xFF, §5.3), no binary, no Ping or Pong, the closing
 * handshake 0xFF 0x00 with no code. A pre-framed RFC 6455 text `Frame` is re-framed from its
 * payload; a binary message, a fragmented or binary `Frame` cannot be sent (the sender drops and
 * counts it).
 */
export const hixie76: Framing = {
  name: "hixie76",
  message: (message) => {
    if (typeof message === "string") return Hixie76.encodeText(message)
    if (message instanceof Uint8Array) return undefined
    if (Frame.isFrame(message)) {
      const payload = message.kind === "text" ? textPayloadOf(message.bytes) : undefined
      return payload === undefined ? undefined : Hixie76.encodeText(payload)
    }
    return message.kind === "text" ? Hixie76.encodeText(message.data) : undefined
  },
  close: () => Hixie76.encodeClose(),
  ping: () => undefined,
  pong: () => undefined
}

/**
 * One message framed at most once per framing: the first framing in its own slot (the common
 * case: one protocol in use), others in a short list.
 */
export class PerFraming {
  private firstFraming: Framing | undefined = undefined
  private firstFramed: Framed | undefined = undefined
  private others: Array<readonly [Framing, Framed | undefined]> | undefined = undefined
  /** Its permessage-deflate forms, made for the first recipient that compresses. */
  private deflated: Compressed | undefined = undefined

  constructor(
    readonly outgoing: Outgoing,
    private readonly fragmentSize: number | undefined
  ) {}

  /** The message's compressed forms (see `compression.ts`). */
  compressed(): Compressed {
    return (this.deflated ??= new Compressed(this.outgoing, this.fragmentSize))
  }

  get(framing: Framing): Framed | undefined {
    if (this.firstFraming === framing) return this.firstFramed
    if (this.firstFraming === undefined) {
      this.firstFraming = framing
      return (this.firstFramed = framing.message(this.outgoing, this.fragmentSize))
    }
    const others = (this.others ??= [])
    for (let i = 0; i < others.length; i++) if (others[i]![0] === framing) return others[i]![1]
    const framed = framing.message(this.outgoing, this.fragmentSize)
    others.push([framing, framed])
    return framed
  }
}

/**
 * The forms of `message` for one command: new ones, or for a `Prepared` message those this
 * sender (`owner`) made before, so it is framed and compressed once however often it is sent.
 */
export const formsOf = (owner: object, message: Outgoing, fragmentSize: number | undefined): PerFraming => {
  if (!(message instanceof Prepared)) return new PerFraming(message, fragmentSize)
  let forms = message.forms.get(owner) as PerFraming | undefined
  if (forms === undefined) message.forms.set(owner, (forms = new PerFraming(message, fragmentSize)))
  return forms
}

const utf8 = new TextEncoder()

/**
 * A message as its kind and payload bytes, whatever form it was given in (what crosses the bus:
 * each node frames it for its own connections). A pre-framed `Frame` gives the payload of its
 * frames joined (server frames are unmasked, RFC 6455 §5.1); a control `Frame` has no payload to
 * give and yields an empty binary message.
 */
export const payloadOf = (message: Outgoing): { readonly messageKind: "text" | "binary"; readonly data: Uint8Array } => {
  if (typeof message === "string") return { messageKind: "text", data: utf8.encode(message) }
  if (message instanceof Uint8Array) return { messageKind: "binary", data: message }
  if (!Frame.isFrame(message)) return { messageKind: message.kind, data: message.data }
  if (message.kind !== "text" && message.kind !== "binary") return { messageKind: "binary", data: new Uint8Array(0) }
  return { messageKind: message.kind, data: framePayloads(message.bytes) }
}

/** The payloads of the unmasked frames in `bytes`, joined (RFC 6455 §5.2 header layout). */
const framePayloads = (bytes: Uint8Array): Uint8Array => {
  const parts: Array<Uint8Array> = []
  let at = 0
  let total = 0
  while (at + 2 <= bytes.length) {
    const len7 = bytes[at + 1]! & 0x7f
    let start = at + 2
    let length = len7
    if (len7 === 126) {
      length = (bytes[at + 2]! << 8) | bytes[at + 3]!
      start = at + 4
    } else if (len7 === 127) {
      length = Number(new DataView(bytes.buffer, bytes.byteOffset + at + 2, 8).getBigUint64(0))
      start = at + 10
    }
    parts.push(bytes.subarray(start, start + length))
    total += length
    at = start + length
  }
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
