/**
 * permessage-deflate (RFC 7692): offer parsing, server negotiation, and the codec's
 * {@link Extension} for it. Compression itself lives in the server's deflate engine; this module
 * only decides the parameters, so it needs nothing beyond the codec.
 *
 * @example
 * ```ts
 * const deflate = PermessageDeflate.extension({ level: 1 })
 * const r = Extension.negotiate(req.extensions, [deflate])
 * const agreement = PermessageDeflate.agreement(r) // per-direction parameters, or undefined
 * new Parser.FrameParser(sink, { allowedRsv: r.rsv }) // RSV1 allowed on first frames (RFC 7692 §6)
 * ```
 *
 * @module
 */
import type { Extension, NegotiatedExtensions } from "../extension.js"
import type { ExtensionOffer } from "../negotiation.js"
import { negotiator, resolveOptions, type Agreement, type Options } from "./negotiate.js"
import { NAME } from "./params.js"

export { NAME, OfferDeclined, parseOffer, parseWindowBits, type Offer } from "./params.js"
export {
  negotiate,
  negotiator,
  resolveOptions,
  zlibWindowBits,
  type Agreement,
  type Direction,
  type Options,
  type ResolvedOptions
} from "./negotiate.js"

/** RSV1: "Per-Message Compressed" bit of a message's first frame (RFC 7692 §6). */
export const RSV1 = 0x40

/**
 * The permessage-deflate {@link Extension}: owns RSV1 and answers the first acceptable offer.
 * Its `accept` returns the response params plus the {@link Agreement} as `agreed`.
 */
export interface PermessageDeflateExtension extends Extension {
  readonly options: ReturnType<typeof resolveOptions>
  accept(offers: ReadonlyArray<ExtensionOffer>): (ExtensionOffer & { readonly agreed: Agreement }) | undefined
}

/**
 * Makes the extension for `negotiateExtensions`. Throws a RangeError for options out of range.
 *
 * @example
 * ```ts
 * const ext = PermessageDeflate.extension({ serverNoContextTakeover: false, serverMaxWindowBits: 10 })
 * ext.accept([{ name: "permessage-deflate", params: [] }])?.params
 * // [["client_no_context_takeover", true], ["server_max_window_bits", "10"]]
 * ```
 */
export const extension = (options: Options = {}): PermessageDeflateExtension => {
  const resolved = resolveOptions(options)
  const negotiate = negotiator(resolved)
  return {
    name: NAME,
    rsv: RSV1,
    options: resolved,
    accept: (offers) => {
      const agreed = negotiate(offers)
      return agreed === undefined ? undefined : { name: NAME, params: agreed.response.params, agreed }
    }
  }
}

/**
 * The agreement of a negotiation result, when permessage-deflate was accepted.
 *
 * @example
 * ```ts
 * const a = PermessageDeflate.agreement(Extension.negotiate(offers, [PermessageDeflate.extension()]))
 * if (a !== undefined) a.inflate.noContextTakeover // true with the defaults
 * ```
 */
export const agreement = (negotiated: NegotiatedExtensions): Agreement | undefined => {
  const i = negotiated.accepted.findIndex((e) => e.name === NAME)
  return i < 0 ? undefined : (negotiated.agreed?.[i] as Agreement | undefined)
}
