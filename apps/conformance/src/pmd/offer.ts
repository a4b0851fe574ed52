/**
 * The client's side of permessage-deflate negotiation (RFC 7692 §5, §7.1), written from the RFC
 * alone (not with the codec under test): offers as we send them, and the check a client MUST
 * make of the server's `Sec-WebSocket-Extensions` answer before using it (§7.1: fail the
 * connection on an unknown or duplicate parameter, an invalid value, or `client_max_window_bits`
 * when the offer had none), plus the rules for accepting each offered parameter (§7.1.1.1,
 * §7.1.2.1, §7.1.2.2). The result is the agreement both compressors follow.
 */

/** One offer element. Window bits: a number is sent as `=N`; `true` (client only) as a bare parameter. */
export interface DeflateOffer {
  readonly serverNoContextTakeover?: boolean
  readonly clientNoContextTakeover?: boolean
  readonly serverMaxWindowBits?: number
  readonly clientMaxWindowBits?: number | true
}

/** What both sides do after an accepted offer (RFC 7692 §7.1). */
export interface DeflateAgreement {
  /** The server compresses with this window and resets it after each message when `noContextTakeover`. */
  readonly server: { readonly windowBits: number; readonly noContextTakeover: boolean }
  /** Our compressor's window and reset rule. */
  readonly client: { readonly windowBits: number; readonly noContextTakeover: boolean }
  /** Index of the offer the answer accepted (the first one it is valid for). */
  readonly offerIndex: number
  /** The answer as received. */
  readonly answer: string
}

/**
 * Autobahn's default client offer (its `PerMessageDeflateOffer()`): the client will not take over
 * its own context and accepts a limit on its window.
 */
export const DEFAULT_OFFER: DeflateOffer = { clientNoContextTakeover: true, clientMaxWindowBits: true }

export const offerElement = (o: DeflateOffer): string => {
  const p = ["permessage-deflate"]
  if (o.clientNoContextTakeover) p.push("client_no_context_takeover")
  if (o.clientMaxWindowBits !== undefined)
    p.push(o.clientMaxWindowBits === true ? "client_max_window_bits" : `client_max_window_bits=${o.clientMaxWindowBits}`)
  if (o.serverNoContextTakeover) p.push("server_no_context_takeover")
  if (o.serverMaxWindowBits !== undefined) p.push(`server_max_window_bits=${o.serverMaxWindowBits}`)
  return p.join("; ")
}

/** The `Sec-WebSocket-Extensions` value for several offers, in preference order (RFC 6455 §9.1). */
export const offerHeader = (offers: readonly DeflateOffer[]): string => offers.map(offerElement).join(", ")

export interface ExtensionElement {
  readonly name: string
  readonly params: ReadonlyArray<readonly [string, string | true]>
}

/** Splits on `sep` outside quoted strings. */
const splitOutsideQuotes = (s: string, sep: string): string[] => {
  const out: string[] = []
  let cur = ""
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (quoted && ch === "\\" && i + 1 < s.length) {
      cur += ch + s[++i]
    } else if (ch === '"') {
      quoted = !quoted
      cur += ch
    } else if (ch === sep && !quoted) {
      out.push(cur)
      cur = ""
    } else cur += ch
  }
  out.push(cur)
  return out
}

/** RFC 6455 §9.1 grammar, leniently: `name *(; key[=token|quoted-string])`, comma-separated. */
export const parseExtensionsHeader = (value: string): ExtensionElement[] =>
  splitOutsideQuotes(value, ",").map((element) => {
    const [name, ...params] = splitOutsideQuotes(element, ";").map((p) => p.trim())
    return {
      name: (name ?? "").toLowerCase(),
      params: params.map((p): readonly [string, string | true] => {
        const eq = p.indexOf("=")
        if (eq < 0) return [p.toLowerCase(), true]
        let v = p.slice(eq + 1).trim()
        if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, "$1")
        return [p.slice(0, eq).trim().toLowerCase(), v]
      })
    }
  })

/** §7.1.2.1: a window-bits value is 8–15, decimal, without leading zeroes. */
const windowBits = (v: string): number | undefined => (/^(8|9|1[0-5])$/.test(v) ? Number(v) : undefined)

/** Why `answer` is not a valid acceptance of `offer`, or the agreement it makes. */
export const checkAnswerFor = (offer: DeflateOffer, el: ExtensionElement): string | Omit<DeflateAgreement, "offerIndex" | "answer"> => {
  const seen = new Set<string>()
  let snct = false
  let cnct = false
  let smwb: number | undefined
  let cmwb: number | undefined
  for (const [key, value] of el.params) {
    if (seen.has(key)) return `duplicate parameter ${key} (RFC 7692 §7.1)`
    seen.add(key)
    if (key === "server_no_context_takeover" || key === "client_no_context_takeover") {
      if (value !== true) return `${key} has a value (RFC 7692 §7.1.1)`
      if (key === "server_no_context_takeover") snct = true
      else cnct = true
    } else if (key === "server_max_window_bits" || key === "client_max_window_bits") {
      const bits = value === true ? undefined : windowBits(value)
      if (bits === undefined) return `${key} needs a value 8–15 in an answer (RFC 7692 §7.1.2), got ${value === true ? "none" : value}`
      if (key === "server_max_window_bits") smwb = bits
      else cmwb = bits
    } else return `unknown parameter ${key} (RFC 7692 §7.1)`
  }
  // §7.1.1.1: the server accepts server_no_context_takeover by including it.
  if (offer.serverNoContextTakeover && !snct) return "offer asked server_no_context_takeover, answer lacks it (RFC 7692 §7.1.1.1)"
  // §7.1.2.1: accepting server_max_window_bits means answering it with the same or a smaller value.
  if (offer.serverMaxWindowBits !== undefined) {
    if (smwb === undefined) return `offer asked server_max_window_bits=${offer.serverMaxWindowBits}, answer lacks it (RFC 7692 §7.1.2.1)`
    if (smwb > offer.serverMaxWindowBits)
      return `server_max_window_bits=${smwb} exceeds the offered ${offer.serverMaxWindowBits} (RFC 7692 §7.1.2.1)`
  }
  // §7.1.2.2: client_max_window_bits only if offered, and not above an offered value.
  if (cmwb !== undefined) {
    if (offer.clientMaxWindowBits === undefined) return "client_max_window_bits answered but not offered (RFC 7692 §7.1.2.2)"
    if (offer.clientMaxWindowBits !== true && cmwb > offer.clientMaxWindowBits) {
      return `client_max_window_bits=${cmwb} exceeds the offered ${offer.clientMaxWindowBits} (RFC 7692 §7.1.2.2)`
    }
  }
  const offeredClientBits = typeof offer.clientMaxWindowBits === "number" ? offer.clientMaxWindowBits : 15
  return {
    server: { windowBits: smwb ?? 15, noContextTakeover: snct },
    // We reset our context when the server asks (§7.1.1.2) or when our offer said we would.
    client: { windowBits: cmwb ?? offeredClientBits, noContextTakeover: cnct || offer.clientNoContextTakeover === true }
  }
}

/**
 * The server's answer checked against our offers: `undefined` when it declined the extension (no
 * header: allowed, RFC 7692 §5), a problem string when the answer is invalid (the client MUST fail
 * the connection, §7.1), else the agreement with the first offer it validly accepts.
 */
export const checkAnswer = (offers: readonly DeflateOffer[], header: string | undefined): DeflateAgreement | string | undefined => {
  if (header === undefined || header.trim() === "") return undefined
  const elements = parseExtensionsHeader(header)
  const others = elements.filter((e) => e.name !== "permessage-deflate")
  if (others.length > 0) return `answer names extensions that were not offered: ${others.map((e) => e.name).join(", ")} (RFC 6455 §9.1)`
  if (elements.length !== 1) return `answer accepts permessage-deflate ${elements.length} times (RFC 7692 §5: one element)`
  const problems: string[] = []
  for (let i = 0; i < offers.length; i++) {
    const r = checkAnswerFor(offers[i]!, elements[0]!)
    if (typeof r !== "string") return { ...r, offerIndex: i, answer: header }
    problems.push(offers.length > 1 ? `offer ${i + 1}: ${r}` : r)
  }
  return `invalid answer "${header}": ${problems.join("; ")}`
}
