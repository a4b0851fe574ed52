/**
 * The extension plug point (RFC 6455 §9). permessage-deflate (RFC 7692, `PermessageDeflate`)
 * implements {@link Extension}. The handshake only negotiates: it asks each
 * supported extension whether it accepts the client's offers for it, collects the response header
 * and the RSV bits the accepted extensions own. The runtime passes those bits to the frame parser as
 * `allowedRsv` (RFC 6455 §5.2: a non-zero RSV bit without a negotiated extension defining it MUST
 * fail the connection).
 *
 * Imported as a namespace: the interface is `Extension.Extension`, negotiation `Extension.negotiate`.
 *
 * @module
 */
import { formatExtensions, type ExtensionOffer } from "./negotiation.js"

/**
 * What {@link Extension.accept} returns: the response params, and optionally the agreed
 * parameters the runtime needs to set up the connection (e.g. permessage-deflate's window bits
 * per direction). `agreed` is opaque to the negotiation and handed back in
 * {@link NegotiatedExtensions.agreed}.
 *
 * @example
 * ```ts
 * const accepted: Extension.AcceptedExtension = { name: "x-noop", params: [], agreed: { level: 1 } }
 * ```
 */
export interface AcceptedExtension extends ExtensionOffer {
  readonly agreed?: unknown
}

/**
 * A server-side extension. Per-connection state (e.g. a deflate context) is not part of
 * negotiation: the runtime builds it from the `agreed` value its `accept` returned.
 *
 * @example
 * ```ts
 * const noop: Extension.Extension = {
 *   name: "x-noop",
 *   rsv: 0,
 *   accept: (offers) => ({ name: "x-noop", params: [] })
 * }
 * ```
 */
export interface Extension {
  /** Registered extension token, compared exactly with the offers' names, e.g. "permessage-deflate". */
  readonly name: string
  /** RSV bits it owns (0x40 = RSV1, 0x20 = RSV2, 0x10 = RSV3). */
  readonly rsv: number
  /**
   * Given the client's offers for this name (in the client's preference order, RFC 7692 §5), the
   * accepted response params, or `undefined` to decline (then the name is not answered at all).
   */
  accept(offers: ReadonlyArray<ExtensionOffer>): AcceptedExtension | ExtensionOffer | undefined
}

/**
 * The outcome of {@link negotiate}.
 *
 * @example
 * ```ts
 * const { header, rsv } = Extension.negotiate(req.extensions, supported)
 * socket.write(Handshake.acceptResponse({ key: req.key, extensions: header }))
 * new Parser.FrameParser(sink, { allowedRsv: rsv })
 * ```
 */
export interface NegotiatedExtensions {
  /** Accepted responses, in the order they apply (the client's order of first offer, §9.1). */
  readonly accepted: Array<ExtensionOffer>
  /** The extensions that accepted, parallel to `accepted` (for per-connection setup later). */
  readonly extensions: Array<Extension>
  /**
   * Each accepted extension's `agreed` value (or `undefined`), parallel to `accepted`; the field
   * itself is absent when no accepted extension returned one (so results of extensions without
   * agreed parameters are unchanged).
   */
  readonly agreed?: Array<unknown>
  /** Union of their RSV bits: the frame parser's `allowedRsv`. */
  readonly rsv: number
  /** The `Sec-WebSocket-Extensions` response value, or `undefined` to send no header. */
  readonly header: string | undefined
}

/** The three RSV bits of the first frame byte (RFC 6455 §5.2). */
const RSV_MASK = 0x70

/**
 * Negotiates extensions (RFC 6455 §9.1): only extensions the server supports are considered, each
 * is asked once with all the client's offers for its name, and offers nobody supports are simply not
 * answered. Two extensions cannot own the same RSV bit: a later one that would clash is skipped
 * (both would interpret the bit, RFC 6455 §5.2). The response lists accepted extensions in the
 * order the client offered them, which is the order they are applied in (§9.1).
 *
 * @example
 * ```ts
 * const r = Extension.negotiate(offers, [permessageDeflate])
 * r.header // "permessage-deflate; server_no_context_takeover" or undefined
 * r.rsv    // 0x40 → new Parser.FrameParser(sink, { allowedRsv: r.rsv })
 * ```
 */
export const negotiate = (offers: ReadonlyArray<ExtensionOffer>, supported: ReadonlyArray<Extension>): NegotiatedExtensions => {
  const accepted: Array<ExtensionOffer> = []
  const extensions: Array<Extension> = []
  const agreed: Array<unknown> = []
  let anyAgreed = false
  let rsv = 0
  if (offers.length === 0 || supported.length === 0) {
    return { accepted, extensions, rsv, header: undefined }
  }
  const asked = new Set<string>()
  for (const offer of offers) {
    const name = offer.name
    if (asked.has(name)) continue
    asked.add(name)
    const extension = supported.find((e) => e.name === name)
    if (extension === undefined) continue // unknown: not answered (§9.1)
    const bits = extension.rsv & RSV_MASK
    if ((bits & rsv) !== 0) continue
    const forName = offers.filter((o) => o.name === name)
    const response = extension.accept(forName)
    if (response === undefined) continue
    // The response always names the extension itself, whatever the implementation returned.
    accepted.push({ name: extension.name, params: response.params })
    extensions.push(extension)
    agreed.push("agreed" in response ? response.agreed : undefined)
    if ("agreed" in response) anyAgreed = true
    rsv |= bits
  }
  const header = accepted.length === 0 ? undefined : formatExtensions(accepted)
  return anyAgreed ? { accepted, extensions, agreed, rsv, header } : { accepted, extensions, rsv, header }
}
