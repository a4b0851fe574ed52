/**
 * The client side of permessage-deflate (RFC 7692) for the raw wire client, with node:zlib only
 * (written from the RFC, not from the server's engine, so a shared bug cannot hide itself): the
 * browser's offer, the server's answer checked, messages compressed with `Z_SYNC_FLUSH` and the
 * `00 00 ff ff` tail removed (§7.2.1), and inflated with it put back (§7.2.2).
 *
 * Context takeover without a streaming sync API: each message is (de)compressed by a fresh zlib
 * context primed with the window the peer keeps (the last 2^bits bytes of the messages so far) as
 * a preset dictionary. That is exactly what the peer's context holds, so references into it are
 * valid; without takeover there is no window.
 *
 * @module
 */
import * as zlib from "node:zlib"

/** What a browser offers (Chromium, Firefox). */
export const OFFER = "permessage-deflate; client_max_window_bits"

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff])
const SYNC = zlib.constants.Z_SYNC_FLUSH

/** The agreement read from the server's `Sec-WebSocket-Extensions`. */
export interface Agreement {
  readonly clientNoContextTakeover: boolean
  readonly serverNoContextTakeover: boolean
  /** Our compressor's window (client_max_window_bits answered, else 15). */
  readonly clientMaxWindowBits: number
}

/**
 * The agreement in a server's answer to {@link OFFER}: `undefined` when it declined (no
 * header), a string saying why the answer is not one a server may give (§7.1).
 */
export const parseAnswer = (header: string | undefined): Agreement | undefined | string => {
  if (header === undefined || header.trim() === "") return undefined
  const elements = header.split(",")
  if (elements.length !== 1) return `more than the one extension offered: ${header}`
  const [name, ...params] = elements[0]!.split(";").map((s) => s.trim())
  if (name!.toLowerCase() !== "permessage-deflate") return `an extension we did not offer: ${header}`
  const seen = new Set<string>()
  let clientNoContextTakeover = false
  let serverNoContextTakeover = false
  let clientMaxWindowBits = 15
  for (const param of params) {
    const [rawKey, rawValue] = param.split("=").map((s) => s.trim())
    const key = rawKey!.toLowerCase()
    const value = rawValue?.replace(/^"(.*)"$/, "$1")
    if (seen.has(key)) return `${key} twice`
    seen.add(key)
    const bits = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN
    if (key === "server_no_context_takeover" || key === "client_no_context_takeover") {
      if (value !== undefined) return `${key} with a value`
      if (key === "server_no_context_takeover") serverNoContextTakeover = true
      else clientNoContextTakeover = true
    } else if (key === "server_max_window_bits" || key === "client_max_window_bits") {
      if (!(bits >= 8 && bits <= 15)) return `${key} without a value in 8..15`
      if (key === "client_max_window_bits") clientMaxWindowBits = bits
    } else return `unknown parameter ${key}`
  }
  return { clientNoContextTakeover, serverNoContextTakeover, clientMaxWindowBits }
}

/** The last `size` bytes of `window` followed by `data`. */
const slide = (window: Buffer | undefined, data: Uint8Array, size: number): Buffer => {
  const all = window === undefined ? Buffer.from(data) : Buffer.concat([window, data])
  return all.length > size ? Buffer.from(all.subarray(all.length - size)) : all
}

/**
 * One connection's compression state.
 *
 * @example
 * ```ts
 * const d = new ClientDeflate({ clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 15 })
 * socket.write(frame(Op.Text, d.compress(Buffer.from("hello")), { rsv: Rsv.Rsv1 }))
 * const text = d.inflate(payload) // a message the server sent with RSV1
 * ```
 */
export class ClientDeflate {
  /** Bytes before compression and on the wire, each way (for the compression ratio). */
  readonly counts = { sentPlain: 0, sentWire: 0, receivedPlain: 0, receivedWire: 0, compressedReceived: 0 }
  private sendWindow: Buffer | undefined = undefined
  private receiveWindow: Buffer | undefined = undefined

  constructor(
    readonly agreement: Agreement,
    private readonly level = zlib.constants.Z_DEFAULT_COMPRESSION
  ) {}

  /** The payload to send with RSV1 for `data`. */
  compress(data: Uint8Array): Buffer {
    const bits = this.agreement.clientMaxWindowBits
    // zlib has no raw 8-bit window; with 9 it never reaches back more than 250 bytes.
    const options: zlib.ZlibOptions = { windowBits: Math.max(9, bits), level: this.level, finishFlush: SYNC }
    if (this.sendWindow !== undefined) options.dictionary = this.sendWindow
    const out = zlib.deflateRawSync(data, options)
    if (out.length < 4 || !out.subarray(out.length - 4).equals(TAIL)) throw new Error("zlib: the sync flush did not end with 00 00 ff ff")
    if (!this.agreement.clientNoContextTakeover) this.sendWindow = slide(this.sendWindow, data, 1 << bits)
    this.counts.sentPlain += data.length
    this.counts.sentWire += out.length - 4
    return out.subarray(0, out.length - 4)
  }

  /** A compressed message's bytes; throws (zlib's error) when they do not inflate. */
  inflate(payload: Uint8Array, maxOutputLength = 64 * 1024 * 1024): Buffer {
    const options: zlib.ZlibOptions = { windowBits: 15, finishFlush: SYNC, maxOutputLength }
    if (this.receiveWindow !== undefined) options.dictionary = this.receiveWindow
    const out = zlib.inflateRawSync(Buffer.concat([payload, TAIL]), options)
    if (!this.agreement.serverNoContextTakeover) this.receiveWindow = slide(this.receiveWindow, out, 1 << 15)
    this.counts.receivedPlain += out.length
    this.counts.receivedWire += payload.length
    this.counts.compressedReceived++
    return out
  }
}
