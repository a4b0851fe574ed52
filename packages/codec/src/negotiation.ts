/**
 * Subprotocol and extension header grammar (RFC 6455 §4.1, §4.3, §9.1).
 *
 * Lists follow the `#rule` of RFC 9110 §5.6.1: elements are separated by commas with optional
 * whitespace (OWS = SP / HTAB), and empty elements (`a,,b`, a leading or trailing comma) are
 * ignored, because RFC 9110 §5.6.1.2 says a recipient MUST accept and ignore them. A header that
 * holds only empty elements is treated like an absent header. Repeated header lines were already
 * joined with ", " by the head parser (RFC 9110 §5.3), which this grammar reads as one list.
 *
 * Around `;` and `=` in extension parameters, OWS is accepted too: RFC 6455's ABNF is written in
 * RFC 2616 style, whose implied `*LWS` (RFC 2616 §2.1) allows whitespace between tokens and
 * separators.
 *
 * Imported as a namespace: `Negotiation.parseProtocols(header)`, `Negotiation.selectProtocol(...)`.
 *
 * @module
 */
import { HandshakeError } from "./errors.js"
import { isTokenChar } from "./http.js"

/**
 * One extension offered by the client, or accepted by the server (RFC 6455 §9.1). A parameter
 * without a value is `true`; quoted values are stored unquoted.
 *
 * @example
 * ```ts
 * const offer: Negotiation.ExtensionOffer = { name: "permessage-deflate", params: [["client_max_window_bits", true]] }
 * ```
 */
export interface ExtensionOffer {
  readonly name: string
  readonly params: ReadonlyArray<readonly [string, string | true]>
}

const SP = 0x20
const HTAB = 0x09
const COMMA = 0x2c
const SEMI = 0x3b
const EQ = 0x3d
const DQUOTE = 0x22
const BACKSLASH = 0x5c

const skipOws = (s: string, i: number): number => {
  let c: number
  while (i < s.length && ((c = s.charCodeAt(i)) === SP || c === HTAB)) i++
  return i
}

/** End of the token starting at `i` (== i when there is none). */
const tokenEnd = (s: string, i: number): number => {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++
  return i
}

/**
 * Whether `s` is a non-empty `token` (RFC 9110 §5.6.2).
 *
 * @example
 * ```ts
 * Negotiation.isToken("chat.v2") // true
 * Negotiation.isToken("a b")     // false
 * ```
 */
export const isToken = (s: string): boolean => s.length > 0 && tokenEnd(s, 0) === s.length

/**
 * Parses `Sec-WebSocket-Protocol` (RFC 6455 §4.1 item 10, §11.3.4): a comma list of tokens in the
 * client's order of preference. A non-token element, or a repeated one (the elements "MUST all be
 * unique"), is a bad request (400). Names are case-sensitive.
 *
 * @example
 * ```ts
 * Negotiation.parseProtocols("chat, superchat") // ["chat", "superchat"]
 * Negotiation.parseProtocols("a b")             // HandshakeError(400)
 * ```
 */
export const parseProtocols = (header: string | undefined): Array<string> | HandshakeError => {
  const out: Array<string> = []
  if (header === undefined) return out
  let i = 0
  const n = header.length
  while (i < n) {
    i = skipOws(header, i)
    if (i >= n) break
    if (header.charCodeAt(i) === COMMA) {
      i++ // empty list element: ignored (RFC 9110 §5.6.1.2)
      continue
    }
    const end = tokenEnd(header, i)
    const next = skipOws(header, end)
    if (end === i || (next < n && header.charCodeAt(next) !== COMMA)) {
      return new HandshakeError(400, "invalid Sec-WebSocket-Protocol header")
    }
    const name = header.slice(i, end)
    if (out.includes(name)) return new HandshakeError(400, "duplicate subprotocol")
    out.push(name)
    i = next + 1
  }
  return out
}

/**
 * Reads a quoted-string starting at the DQUOTE at `i` (RFC 9110 §5.6.4) and returns its unescaped
 * content and the index after the closing quote, or -1 on a syntax error.
 */
const readQuoted = (s: string, i: number): readonly [string, number] => {
  let value = ""
  let from = ++i
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === DQUOTE) return [value + s.slice(from, i), i + 1]
    if (c === BACKSLASH) {
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      const q = s.charCodeAt(i + 1)
      if (!(q === HTAB || (q >= SP && q !== 0x7f))) return ["", -1]
      value += s.slice(from, i) + s[i + 1]
      from = ++i + 1
    } else if (!(c === HTAB || (c >= SP && c !== 0x7f))) {
      return ["", -1] // qdtext excludes CTLs
    }
  }
  return ["", -1] // unterminated
}

const badExtensions = (): HandshakeError => new HandshakeError(400, "invalid Sec-WebSocket-Extensions header")

/**
 * Parses `Sec-WebSocket-Extensions` (RFC 6455 §9.1):
 * `extension-list = 1#extension; extension = token *( ";" token [ "=" (token | quoted-string) ] )`.
 * A quoted value must be a token once unescaped (§9.1). Offers keep the client's order, including
 * several alternative offers of one extension (RFC 7692 §5). Syntax errors → HandshakeError(400).
 *
 * @example
 * ```ts
 * Negotiation.parseExtensions("permessage-deflate; client_max_window_bits, x-foo; a=\"1\"")
 * // [{ name: "permessage-deflate", params: [["client_max_window_bits", true]] },
 * //  { name: "x-foo", params: [["a", "1"]] }]
 * ```
 */
export const parseExtensions = (header: string | undefined): Array<ExtensionOffer> | HandshakeError => {
  const out: Array<ExtensionOffer> = []
  if (header === undefined) return out
  const s = header
  const n = s.length
  let i = 0
  while (i < n) {
    i = skipOws(s, i)
    if (i >= n) break
    if (s.charCodeAt(i) === COMMA) {
      i++ // empty list element: ignored (RFC 9110 §5.6.1.2)
      continue
    }
    const nameEnd = tokenEnd(s, i)
    if (nameEnd === i) return badExtensions()
    const name = s.slice(i, nameEnd)
    const params: Array<readonly [string, string | true]> = []
    i = skipOws(s, nameEnd)
    while (i < n && s.charCodeAt(i) === SEMI) {
      i = skipOws(s, i + 1)
      const keyEnd = tokenEnd(s, i)
      if (keyEnd === i) return badExtensions()
      const key = s.slice(i, keyEnd)
      i = skipOws(s, keyEnd)
      if (i < n && s.charCodeAt(i) === EQ) {
        i = skipOws(s, i + 1)
        let value: string
        if (s.charCodeAt(i) === DQUOTE) {
          const [unquoted, after] = readQuoted(s, i)
          if (after < 0 || !isToken(unquoted)) return badExtensions()
          value = unquoted
          i = after
        } else {
          const valueEnd = tokenEnd(s, i)
          if (valueEnd === i) return badExtensions()
          value = s.slice(i, valueEnd)
          i = valueEnd
        }
        params.push([key, value])
        i = skipOws(s, i)
      } else {
        params.push([key, true])
      }
    }
    if (i < n && s.charCodeAt(i) !== COMMA) return badExtensions()
    out.push({ name, params })
    i++
  }
  return out
}

/**
 * Formats extensions for a `Sec-WebSocket-Extensions` header: `name; key=value; flag, other`.
 * Values that are not tokens are written as quoted-strings with `\` escapes (RFC 9110 §5.6.4), so
 * the output always re-parses; names are expected to be tokens (they come from the server's
 * `Extension` implementations).
 *
 * @example
 * ```ts
 * Negotiation.formatExtensions([{ name: "permessage-deflate", params: [["server_no_context_takeover", true]] }])
 * // "permessage-deflate; server_no_context_takeover"
 * ```
 */
export const formatExtensions = (list: ReadonlyArray<ExtensionOffer>): string => {
  let out = ""
  for (let e = 0; e < list.length; e++) {
    const ext = list[e]!
    if (e > 0) out += ", "
    out += ext.name
    for (const [key, value] of ext.params) {
      out += "; " + key
      if (value !== true) out += "=" + (isToken(value) ? value : quote(value))
    }
  }
  return out
}

const quote = (value: string): string => {
  let out = '"'
  for (const ch of value) out += ch === '"' || ch === "\\" ? "\\" + ch : ch
  return out + '"'
}

/**
 * Picks the subprotocol to answer with (RFC 6455 §4.2.2 /subprotocol/). With a list, the first
 * offered protocol (the client's preference order, §4.1) that the server supports; with a function,
 * its answer, kept only if it was actually offered: answering with a protocol the client did not
 * offer makes the client fail the connection (§4.1). No offer → `undefined` (the server MUST NOT
 * then send the header), without calling the function.
 *
 * @example
 * ```ts
 * Negotiation.selectProtocol(["v2", "v1"], ["v1", "v2"])        // "v2"
 * Negotiation.selectProtocol(["v2", "v1"], (offered) => "v1")   // "v1"
 * ```
 */
export const selectProtocol = (
  offered: ReadonlyArray<string>,
  supported: ReadonlyArray<string> | ((offered: ReadonlyArray<string>) => string | undefined)
): string | undefined => {
  if (offered.length === 0) return undefined
  if (typeof supported === "function") {
    const chosen = supported(offered)
    return chosen !== undefined && offered.includes(chosen) ? chosen : undefined
  }
  for (const p of offered) if (supported.includes(p)) return p
  return undefined
}
