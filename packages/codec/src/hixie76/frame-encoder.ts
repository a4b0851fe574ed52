/**
 * Draft-76 frame encoder (draft-hixie-thewebsocketprotocol-76 §5.3: a server sends a 0x00 byte,
 * the text as UTF-8, then a 0xFF byte; §5.3/§6: 0xFF 0x00 starts or answers the closing
 * handshake). Each function returns one buffer, made with a single allocation.
 *
 * Only text exists: draft-76 has no binary messages, no ping/pong and no close codes or reasons.
 * Its length-prefixed frame shape carries no defined type (it is there so later versions could
 * add some; receivers skip it), so there is nothing to encode binary data with: a runtime on a
 * draft-76 connection must refuse a binary send rather than encode it.
 *
 * Framing relies on valid UTF-8: 0xFF never occurs in it, so it can end a frame unambiguously.
 * Strings are always encoded as well-formed UTF-8 (a lone surrogate becomes U+FFFD, as with
 * `Buffer.from(text)`); bytes are copied as given and MUST already be valid UTF-8 (for instance a
 * text payload the server received and validated): a 0xFF inside them would end the frame early.
 *
 * @module
 */

/**
 * A text frame: 0x00, the UTF-8 bytes of `payload`, 0xFF (§5.3). A string is encoded as UTF-8;
 * bytes are copied unchanged and must be valid UTF-8 (see the module comment).
 *
 * @example
 * ```ts
 * Hixie76.encodeText("Hi")                          // <00 48 69 ff>
 * Hixie76.encodeText(new TextEncoder().encode("€")) // <00 e2 82 ac ff>
 * ```
 */
export const encodeText = (payload: string | Uint8Array): Uint8Array => {
  if (typeof payload === "string") {
    const n = Buffer.byteLength(payload, "utf8")
    const out = Buffer.allocUnsafe(n + 2)
    out[0] = 0x00
    out.write(payload, 1, n, "utf8")
    out[n + 1] = 0xff
    return out
  }
  const n = payload.length
  const out = Buffer.allocUnsafe(n + 2)
  out[0] = 0x00
  out.set(payload, 1)
  out[n + 1] = 0xff
  return out
}

/**
 * The closing-handshake frame 0xFF 0x00 (§5.3, §6): sent to start the closing handshake, or to
 * answer the client's. A fresh buffer each call, so callers may hand it to a socket freely.
 *
 * @example
 * ```ts
 * socket.write(Hixie76.encodeClose()) // <ff 00>
 * ```
 */
export const encodeClose = (): Uint8Array => Uint8Array.of(0xff, 0x00)

/**
 * Bytes of a text frame carrying `payloadBytes` bytes of UTF-8: the payload plus 0x00 and 0xFF.
 *
 * @example
 * ```ts
 * Hixie76.textFrameLength(Buffer.byteLength("Hi")) // 4
 * ```
 */
export const textFrameLength = (payloadBytes: number): number => payloadBytes + 2
