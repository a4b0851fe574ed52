/**
 * The parameters of one permessage-deflate offer (RFC 7692 §7.1). An offer is declined (§5, §7.1)
 * when it has an unknown parameter, a parameter twice, or an invalid value:
 *
 * - `server_no_context_takeover`, `client_no_context_takeover` have no value (§7.1.1.1, §7.1.1.2);
 * - `server_max_window_bits` MUST have a value (§7.1.2.1);
 * - `client_max_window_bits` may have one (§7.1.2.2);
 * - a value is a decimal integer 8–15 "without leading zeroes" (§7.1.2.1): `1*DIGIT` after
 *   quoted-string unescaping, which the header parser has already done (§7.1).
 *
 * @module
 */
import type { ExtensionOffer } from "../negotiation.js"

/** The registered extension name (RFC 7692 §7). */
export const NAME = "permessage-deflate"

/**
 * One client offer, parsed. `clientMaxWindowBits` is `true` when the parameter came without a
 * value (the client only says it supports it), `undefined` when absent.
 *
 * @example
 * ```ts
 * const o: PermessageDeflate.Offer = { serverNoContextTakeover: false, clientNoContextTakeover: false,
 *   serverMaxWindowBits: undefined, clientMaxWindowBits: true }
 * ```
 */
export interface Offer {
  readonly serverNoContextTakeover: boolean
  readonly clientNoContextTakeover: boolean
  readonly serverMaxWindowBits: number | undefined
  readonly clientMaxWindowBits: number | true | undefined
}

/**
 * Why an offer was declined (kept for diagnostics: a declined offer is not an error, the server
 * goes on with the next offer or without the extension, RFC 7692 §5).
 *
 * @example
 * ```ts
 * const r = PermessageDeflate.parseOffer({ name: "permessage-deflate", params: [["x", true]] })
 * r instanceof PermessageDeflate.OfferDeclined // true, r.reason === "unknown parameter x"
 * ```
 */
export class OfferDeclined {
  readonly _tag = "OfferDeclined" as const
  constructor(readonly reason: string) {}
}

/**
 * A window-bits value (RFC 7692 §7.1.2.1): "8".."15", plain decimal, no sign, no leading zero.
 *
 * @example
 * ```ts
 * PermessageDeflate.parseWindowBits("10") // 10
 * PermessageDeflate.parseWindowBits("08") // undefined
 * ```
 */
export const parseWindowBits = (value: string): number | undefined => {
  if (value.length === 1) {
    return value === "8" ? 8 : value === "9" ? 9 : undefined
  }
  if (value.length !== 2 || value.charCodeAt(0) !== 0x31) return undefined // "1x"
  const d = value.charCodeAt(1) - 0x30
  return d >= 0 && d <= 5 ? 10 + d : undefined
}

/**
 * Parses one offer's parameters (RFC 7692 §7.1), or says why it must be declined.
 *
 * @example
 * ```ts
 * PermessageDeflate.parseOffer({ name: "permessage-deflate", params: [["client_max_window_bits", true]] })
 * // { serverNoContextTakeover: false, clientNoContextTakeover: false,
 * //   serverMaxWindowBits: undefined, clientMaxWindowBits: true }
 * ```
 */
export const parseOffer = (offer: ExtensionOffer): Offer | OfferDeclined => {
  let serverNoContextTakeover = false
  let clientNoContextTakeover = false
  let serverMaxWindowBits: number | undefined
  let clientMaxWindowBits: number | true | undefined
  const seen = new Set<string>()
  for (const [key, value] of offer.params) {
    // "multiple extension parameters with the same name" → decline (§7.1)
    if (seen.has(key)) return new OfferDeclined(`duplicate parameter ${key}`)
    seen.add(key)
    switch (key) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        // §7.1.1.1 / §7.1.1.2: "This parameter has no value."
        if (value !== true) return new OfferDeclined(`${key} takes no value`)
        if (key === "server_no_context_takeover") serverNoContextTakeover = true
        else clientNoContextTakeover = true
        break
      case "server_max_window_bits": {
        // §7.1.2.1: the value is required in an offer.
        if (value === true) return new OfferDeclined("server_max_window_bits needs a value")
        const bits = parseWindowBits(value)
        if (bits === undefined) return new OfferDeclined(`invalid server_max_window_bits ${value}`)
        serverMaxWindowBits = bits
        break
      }
      case "client_max_window_bits": {
        // §7.1.2.2: "may have a value"; without one, the client only declares support.
        if (value === true) clientMaxWindowBits = true
        else {
          const bits = parseWindowBits(value)
          if (bits === undefined) return new OfferDeclined(`invalid client_max_window_bits ${value}`)
          clientMaxWindowBits = bits
        }
        break
      }
      default:
        return new OfferDeclined(`unknown parameter ${key}`)
    }
  }
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits }
}
