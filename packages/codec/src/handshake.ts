/**
 * The server side of the opening handshake (RFC 6455 §4.2): validate the client's upgrade request,
 * compute `Sec-WebSocket-Accept`, and build the 101 or rejection response bytes.
 *
 * `validateUpgrade` takes an `Http.RequestHead`, so it works both on heads from our own
 * `Http.RequestHeadParser` and on heads Node's `http` already parsed (`Http.fromNode`, for
 * attaching to an existing server's `upgrade` event).
 *
 * Check order and statuses (first failure wins):
 * 1. method ≠ GET → 405 + `Allow: GET` (§4.1 item 2; RFC 9110 §15.5.6 requires `Allow`).
 * 2. HTTP < 1.1 → 400 (§4.1 item 2); HTTP ≥ 2 in an HTTP/1 head → 505.
 * 3. no/empty Host → 400 (§4.1 item 4; RFC 9112 §3.2).
 * 4. no `websocket` token in Upgrade → 426 + `Upgrade: websocket` (§4.2.1 item 3; RFC 9110
 *    §15.5.22 requires a 426 to carry `Upgrade`). No version header: the client is not speaking
 *    WebSocket at all, and the server tells this case apart from a version mismatch by it.
 * 5. no `upgrade` token in Connection → 400 (§4.2.1 item 4).
 * 6. Sec-WebSocket-Version ≠ 13 (or missing) → 426 + `Sec-WebSocket-Version: 13` (§4.2.2 item 4)
 *    and `Upgrade: websocket` (RFC 9110 §15.5.22).
 *    Checked before the key so an old-draft client (no valid key) is told the version it needs.
 * 7. Sec-WebSocket-Key not the base64 of 16 bytes → 400 (§4.2.1 item 5).
 * 8. a request body (non-zero Content-Length, any Transfer-Encoding) → 400: bytes after the head are
 *    read as frames, so a body would be misparsed (request-smuggling hazard).
 * 9. request-target not origin- or absolute-form, or with a fragment → 400 (§3, RFC 9112 §3.2).
 * 10. malformed Sec-WebSocket-Protocol / Sec-WebSocket-Extensions → 400 (§4.1, §9.1).
 *
 * Imported as a namespace: `Handshake.validateUpgrade(head)`, `Handshake.acceptResponse(...)`.
 *
 * @module
 */
import { createHash } from "node:crypto"
import { HandshakeError } from "./errors.js"
import { isTokenChar, type RequestHead } from "./http.js"
import { parseExtensions, parseProtocols, type ExtensionOffer } from "./negotiation.js"

/**
 * The GUID every server appends to the client key (RFC 6455 §1.3, §4.2.2 item 5.4).
 *
 * @example
 * ```ts
 * createHash("sha1").update(key + Handshake.WEBSOCKET_GUID).digest("base64") // = Handshake.acceptKey(key)
 * ```
 */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/**
 * `Sec-WebSocket-Accept` for a client key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).
 *
 * @example
 * ```ts
 * Handshake.acceptKey("dGhlIHNhbXBsZSBub25jZQ==") // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export const acceptKey = (key: string): string =>
  createHash("sha1")
    .update(key + WEBSOCKET_GUID, "latin1")
    .digest("base64")

/**
 * A validated upgrade request.
 *
 * @example
 * ```ts
 * const req = Handshake.validateUpgrade(head)
 * if (!(req instanceof HandshakeError)) console.log(req.path, req.protocols)
 * ```
 */
export interface UpgradeRequest {
  readonly head: RequestHead
  /** Path of the target, e.g. "/chat" (from absolute-form too). */
  readonly path: string
  /** Query without the leading "?", "" when absent. */
  readonly query: string
  readonly key: string
  /** Offered subprotocols, client preference order (§4.1 item 10). */
  readonly protocols: Array<string>
  /** Offered extensions, client order (§9.1). */
  readonly extensions: Array<ExtensionOffer>
}

/** Whether a comma list (RFC 9110 §5.6.1, OWS = SP/HTAB) holds `token` (lowercase), ignoring case. */
const hasToken = (list: string | undefined, token: string): boolean => {
  if (list === undefined) return false
  const n = list.length
  const len = token.length
  let i = 0
  while (i < n) {
    let c = list.charCodeAt(i)
    while (i < n && (c === 0x20 || c === 0x09)) c = list.charCodeAt(++i)
    let end = list.indexOf(",", i)
    if (end === -1) end = n
    let e = end
    while (e > i && ((c = list.charCodeAt(e - 1)) === 0x20 || c === 0x09)) e--
    if (e - i === len) {
      let k = 0
      for (; k < len; k++) {
        c = list.charCodeAt(i + k)
        if ((c >= 0x41 && c <= 0x5a ? c + 32 : c) !== token.charCodeAt(k)) break
      }
      if (k === len) return true
    }
    i = end + 1
  }
  return false
}

/** base64 alphabet value of each code (RFC 4648 §4), -1 when not in the alphabet. */
const B64 = (() => {
  const t = new Int8Array(128).fill(-1)
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i
  return t
})()

/**
 * Whether `key` is the canonical base64 of exactly 16 bytes (RFC 6455 §4.1 item 7, §4.2.1 item 5):
 * 22 alphabet chars + "==" (24 chars). The 22nd char carries 2 data bits and 4 padding bits, which
 * must be zero (canonical encoding, RFC 4648 §3.5); every real client's base64 encoder does this.
 */
const isValidKey = (key: string | undefined): key is string => {
  if (key === undefined || key.length !== 24 || key.charCodeAt(22) !== 0x3d || key.charCodeAt(23) !== 0x3d) {
    return false
  }
  for (let i = 0; i < 22; i++) {
    const c = key.charCodeAt(i)
    if (c >= 128 || B64[c]! < 0) return false
  }
  return (B64[key.charCodeAt(21)]! & 0x0f) === 0
}

const error = (status: number, reason: string, headers?: Record<string, string>) => new HandshakeError(status, reason, headers)

/** Splits the request-target into path and query (RFC 9112 §3.2.1 origin-form, §3.2.2 absolute-form). */
const splitTarget = (target: string): { path: string; query: string } | undefined => {
  if (target.includes("#")) return undefined // fragments MUST NOT be used (RFC 6455 §3)
  let start = 0
  let q: number
  if (target.charCodeAt(0) !== 0x2f) {
    // absolute-form: scheme "://" authority [path-abempty] ["?" query]; the authority ends at the
    // first "/" or "?" (RFC 3986 §3.2), an empty path means "/".
    const scheme = target.indexOf("://")
    if (scheme <= 0 || !isTokenChar(target.charCodeAt(0))) return undefined
    start = target.indexOf("/", scheme + 3)
    q = target.indexOf("?", scheme + 3)
    if (start === -1 || (q !== -1 && q < start)) {
      return { path: "/", query: q === -1 ? "" : target.slice(q + 1) }
    }
  }
  q = target.indexOf("?", start)
  return q === -1 ? { path: target.slice(start), query: "" } : { path: target.slice(start, q), query: target.slice(q + 1) }
}

const UPGRADE_REQUIRED = { Upgrade: "websocket" } as const
const VERSION_REQUIRED = { Upgrade: "websocket", "Sec-WebSocket-Version": "13" } as const

/**
 * Validates an opening handshake request (RFC 6455 §4.2.1); see the module comment for the order
 * and statuses. Never throws.
 *
 * @example
 * ```ts
 * const r = Handshake.validateUpgrade(head)
 * if (r instanceof HandshakeError) socket.end(Handshake.rejectResponse(r))
 * else socket.write(Handshake.acceptResponse({ key: r.key }))
 * ```
 */
export const validateUpgrade = (head: RequestHead): UpgradeRequest | HandshakeError => {
  if (head.method !== "GET") return error(405, "method must be GET", { Allow: "GET" })
  if (head.versionMajor < 1 || (head.versionMajor === 1 && head.versionMinor < 1)) {
    return error(400, "HTTP/1.1 or later required")
  }
  if (head.versionMajor > 1) return error(505, "HTTP version not supported")
  const h = head.headers
  if (!h.host) return error(400, "missing Host header")
  if (!hasToken(h.upgrade, "websocket")) {
    return error(426, "Upgrade: websocket required", UPGRADE_REQUIRED)
  }
  if (!hasToken(h.connection, "upgrade")) return error(400, "Connection: upgrade required")
  if (h["sec-websocket-version"] !== "13") {
    return error(426, "unsupported Sec-WebSocket-Version", VERSION_REQUIRED)
  }
  const key = h["sec-websocket-key"]
  if (!isValidKey(key)) return error(400, "invalid Sec-WebSocket-Key")
  const length = h["content-length"]
  if ((length !== undefined && length !== "0") || h["transfer-encoding"] !== undefined) {
    return error(400, "upgrade request must not have a body")
  }
  const target = splitTarget(head.target)
  if (target === undefined) return error(400, "invalid request target")
  const protocols = parseProtocols(h["sec-websocket-protocol"])
  if (protocols instanceof HandshakeError) return protocols
  const extensions = parseExtensions(h["sec-websocket-extensions"])
  if (extensions instanceof HandshakeError) return extensions
  return { head, path: target.path, query: target.query, key, protocols, extensions }
}

/**
 * Makes a string safe as a header value: every char outside visible ASCII, SP and HTAB (CR, LF,
 * other controls, non-ASCII) becomes a space or "?", so it can never end the line and inject
 * headers (RFC 9110 §5.5), then OWS is trimmed. `max` caps untrusted text (the Error reason).
 */
const headerValue = (value: string, max = Number.MAX_SAFE_INTEGER): string => {
  let out = ""
  let from = 0
  const n = Math.min(value.length, max)
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i)
    if ((c >= 0x20 && c < 0x7f) || c === 0x09) continue
    out += value.slice(from, i) + (c < 0x20 || c === 0x7f ? " " : "?")
    from = i + 1
  }
  out += value.slice(from, n)
  let s = 0
  let e = out.length
  while (s < e && (out.charCodeAt(s) === 0x20 || out.charCodeAt(s) === 0x09)) s++
  while (e > s && (out.charCodeAt(e - 1) === 0x20 || out.charCodeAt(e - 1) === 0x09)) e--
  return out.slice(s, e)
}

const isTokenName = (name: string): boolean => {
  if (name.length === 0) return false
  for (let i = 0; i < name.length; i++) if (!isTokenChar(name.charCodeAt(i))) return false
  return true
}

/** Appends `headers`, skipping invalid names and those in `owned` (lowercase: we write them). */
const appendHeaders = (out: string, headers: Readonly<Record<string, string>> | undefined, owned: ReadonlySet<string>): string => {
  if (headers === undefined) return out
  for (const name of Object.keys(headers)) {
    if (!isTokenName(name) || owned.has(name.toLowerCase())) continue
    out += name + ": " + headerValue(String(headers[name])) + "\r\n"
  }
  return out
}

const ACCEPT_OWNED: ReadonlySet<string> = new Set([
  "upgrade",
  "connection",
  "sec-websocket-accept",
  "sec-websocket-protocol",
  "sec-websocket-extensions"
])

/**
 * The 101 Switching Protocols response (RFC 6455 §4.2.2 item 5). `protocol` must be one the client
 * offered (see `Negotiation.selectProtocol`), `extensions` a formatted header value (see
 * `Extension.negotiate`). Extra `headers` may not override the handshake's own headers; invalid
 * names are skipped and values sanitised (no CR/LF), so this never throws.
 *
 * @example
 * ```ts
 * socket.write(Handshake.acceptResponse({ key: req.key, protocol: "chat" }))
 * ```
 */
export const acceptResponse = (options: {
  readonly key: string
  readonly protocol?: string | undefined
  readonly extensions?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}): Uint8Array => {
  let out =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Accept: " +
    acceptKey(options.key) +
    "\r\n"
  if (options.protocol !== undefined) out += "Sec-WebSocket-Protocol: " + headerValue(options.protocol) + "\r\n"
  if (options.extensions) out += "Sec-WebSocket-Extensions: " + headerValue(options.extensions) + "\r\n"
  out = appendHeaders(out, options.headers, ACCEPT_OWNED)
  return Buffer.from(out + "\r\n", "latin1")
}

/** Reason phrases (RFC 9110 §15, RFC 6585) for statuses a handshake may be rejected with. */
const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  301: "Moved Permanently",
  302: "Found",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  414: "URI Too Long",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported"
}

/**
 * The standard reason phrase of an HTTP status, "" when unknown (RFC 9112 §4: it is optional).
 *
 * @example
 * ```ts
 * Handshake.reasonPhrase(426) // "Upgrade Required"
 * ```
 */
export const reasonPhrase = (status: number): string => REASONS[status] ?? ""

const REJECT_OWNED: ReadonlySet<string> = new Set(["connection", "content-length", "content-type", "transfer-encoding", "error"])

/**
 * A rejection response: status line, `Error: <reason>` (the ExWs convention; sanitised so it cannot
 * inject headers), the error's extra headers (e.g. `Sec-WebSocket-Version: 13`), `Connection: close`
 * (`Upgrade, close` when an `Upgrade` header is sent, RFC 9110 §7.8), a text/plain body (default: the
 * reason) and its `Content-Length`. A number uses its reason phrase; an invalid status becomes 500.
 *
 * @example
 * ```ts
 * socket.end(Handshake.rejectResponse(new HandshakeError(403, "origin not allowed")))
 * socket.end(Handshake.rejectResponse(404))
 * ```
 */
export const rejectResponse = (
  errorOrStatus:
    | HandshakeError
    | number
    | { readonly status: number; readonly reason: string; readonly headers?: Readonly<Record<string, string>> },
  body?: string
): Uint8Array => {
  const e =
    typeof errorOrStatus === "number" ? { status: errorOrStatus, reason: reasonPhrase(errorOrStatus), headers: undefined } : errorOrStatus
  const status = Number.isInteger(e.status) && e.status >= 200 && e.status <= 599 ? e.status : 500
  const reason = headerValue(String(e.reason ?? ""), 256)
  let out = "HTTP/1.1 " + status + " " + reasonPhrase(status) + "\r\n"
  if (reason !== "") out += "Error: " + reason + "\r\n"
  out = appendHeaders(out, e.headers, REJECT_OWNED)
  const upgrade = e.headers !== undefined && Object.keys(e.headers).some((k) => k.toLowerCase() === "upgrade")
  const text = body ?? String(e.reason ?? "")
  out +=
    "Connection: " +
    (upgrade ? "Upgrade, close" : "close") +
    "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
    Buffer.byteLength(text, "utf8") +
    "\r\n\r\n"
  // The head is pure ASCII after sanitising, so one UTF-8 encoding serves head and body.
  return Buffer.from(out + text, "utf8")
}
