/**
 * The server side of the draft-hixie-thewebsocketprotocol-76 opening handshake (the protocol
 * browsers spoke before RFC 6455; also published as draft-ietf-hybi-thewebsocketprotocol-00). The
 * draft is cited as "§n" with its own numbering: §1.3 overview and worked example, §3 WebSocket
 * URLs, §4.1 the client's handshake, §5.1 reading it on the server, §5.2 the server's answer.
 *
 * The handshake proves to the client that the server really read the request, with a challenge in
 * three parts: two headers, `Sec-WebSocket-Key1` and `Sec-WebSocket-Key2`, each hide a 32-bit
 * number (the digits of the value divided by its count of spaces), and `key3` is the 8 raw bytes
 * that follow the request head — not an HTTP body, it has no Content-Length. The answer is the
 * MD5 of both numbers (big-endian uint32) and key3, sent as 16 raw bytes after the 101 head.
 *
 * Flow on a server: {@link isHixie76Request} picks this codec for a head from the
 * `RequestHeadParser`, {@link validateUpgrade} checks it and computes both key numbers at once (a
 * bad key is refused before key3 arrives), a {@link Key3Collector} takes the head parser's `rest`
 * and later chunks until it has key3 (keeping the bytes after it: frames may follow in the same
 * chunk), then {@link acceptResponse} builds the head and answer in one buffer.
 *
 * Decisions where the draft leaves room (it only describes conforming clients, §5.1):
 * - no `Origin`: refused (400). §4.1 has every client send it and §5.2 step 11 requires the server
 *   to echo it as `Sec-WebSocket-Origin`; a client that did not send one cannot check the answer.
 * - no `Host`: refused (400). §5.2 builds `Sec-WebSocket-Location` from it. Its value is echoed
 *   as sent: §4.1 writes it from the same host and port the client will compare the location with.
 * - request-target: origin-form only (`/path?query`, the draft's "resource name", §3.1); the
 *   absolute-form and fragments are refused (400).
 * - `Sec-WebSocket-Key`/`Sec-WebSocket-Version` next to Key1/Key2: refused (400), the client mixes
 *   RFC 6455 and draft-76 and neither answer would be right.
 * - a key number of 0 is valid (§4.1 draws /number/ from 0 inclusive).
 *
 * @module
 */
import { createHash } from "node:crypto"
import { HandshakeError } from "../errors.js"
import { isTokenChar, type RequestHead } from "../http.js"

/**
 * The largest number a key's digits may form: 2^32 − 1. §4.1 builds a key as /number/ × /spaces/
 * with /number/ ≤ 4,294,967,295 / /spaces/, so a conforming client never exceeds it.
 *
 * @example
 * ```ts
 * Hixie76.keyPart(`${Hixie76.MAX_KEY_NUMBER} `) // 4294967295 (one space)
 * ```
 */
export const MAX_KEY_NUMBER = 4294967295

/**
 * Bytes of key3, the raw challenge after the request head (§4.1, §5.2 step 8).
 *
 * @example
 * ```ts
 * const key3 = new Uint8Array(Hixie76.KEY3_LENGTH)
 * ```
 */
export const KEY3_LENGTH = 8

/**
 * The number hidden in a `Sec-WebSocket-Key1`/`Key2` value (§5.2 steps 4–7): the digits read as a
 * base-ten integer (every other character ignored) divided by the number of U+0020 spaces.
 * Refused with HandshakeError(400): a missing value, no digit, a number above 2^32 − 1, no space
 * (§5.2 step 5: "a symptom of a cross-protocol attack"), or a number the spaces do not divide
 * (§5.2 step 6). `name` only words the error.
 *
 * @example
 * ```ts
 * Hixie76.keyPart("18x 6]8vM;54 *(5:  {   U1]8  z [  8") // 155712099 = 1868545188 / 12
 * Hixie76.keyPart("12345")                              // HandshakeError(400): no space
 * ```
 */
export const keyPart = (value: string | undefined, name = "Sec-WebSocket-Key1"): number | HandshakeError => {
  if (value === undefined) return bad(`missing ${name} header`)
  let number = 0
  let digits = 0
  let spaces = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) {
      // Exact: number ≤ 2^32 − 1 before this step, so number * 10 + 9 < 2^53.
      number = number * 10 + (c - 0x30)
      if (number > MAX_KEY_NUMBER) return bad(`${name} number exceeds 4294967295`)
      digits++
    } else if (c === 0x20) {
      spaces++
    }
  }
  if (digits === 0) return bad(`${name} has no digits`)
  if (spaces === 0) return bad(`${name} has no spaces`)
  if (number % spaces !== 0) return bad(`${name} number is not a multiple of its spaces`)
  return number / spaces
}

/**
 * The 16-byte answer (§5.2 steps 8–9): MD5 of uint32be(part1) ‖ uint32be(part2) ‖ key3, where the
 * parts come from {@link keyPart} and key3 is the 8 bytes after the request head.
 *
 * @example
 * ```ts
 * const answer = Hixie76.challengeResponse(155712099, 173347027, Buffer.from("Tm[K T2u", "latin1"))
 * Buffer.from(answer).toString("latin1") // "fQJ,fN/4F4!~K~MH" (the draft's worked example)
 * ```
 */
export const challengeResponse = (part1: number, part2: number, key3: Uint8Array): Uint8Array => {
  const challenge = Buffer.allocUnsafe(8 + KEY3_LENGTH)
  challenge.writeUInt32BE(part1 >>> 0, 0)
  challenge.writeUInt32BE(part2 >>> 0, 4)
  challenge.set(key3.subarray(0, KEY3_LENGTH), 8)
  return createHash("md5").update(challenge).digest()
}

/**
 * Whether a head asks for draft-76 rather than RFC 6455: it carries `Sec-WebSocket-Key1` or
 * `Sec-WebSocket-Key2` and neither `Sec-WebSocket-Key` nor `Sec-WebSocket-Version` (RFC 6455
 * §4.1 makes those mandatory, the draft has neither). Only picks the codec; validate afterwards.
 *
 * @example
 * ```ts
 * const r = Hixie76.isHixie76Request(head) ? Hixie76.validateUpgrade(head) : Hixie76.validateUpgrade(head)
 * ```
 */
export const isHixie76Request = (head: RequestHead): boolean => {
  const h = head.headers
  return (
    (h["sec-websocket-key1"] !== undefined || h["sec-websocket-key2"] !== undefined) &&
    h["sec-websocket-key"] === undefined &&
    h["sec-websocket-version"] === undefined
  )
}

/**
 * A validated draft-76 upgrade request, with both key numbers already computed.
 *
 * @example
 * ```ts
 * const req = Hixie76.validateUpgrade(head)
 * if (!(req instanceof HandshakeError)) console.log(req.resource, req.origin, req.protocol)
 * ```
 */
export interface UpgradeRequest {
  readonly head: RequestHead
  /** The request-target as sent, `path[?query]` (the draft's "resource name", §3.1). */
  readonly resource: string
  /** Path of the target, e.g. "/demo". */
  readonly path: string
  /** Query without the leading "?", "" when absent. */
  readonly query: string
  /** The `Host` value as sent (host[:port]), echoed in `Sec-WebSocket-Location`. */
  readonly host: string
  /** The `Origin` value as sent, echoed in `Sec-WebSocket-Origin` (§5.2 step 11). */
  readonly origin: string
  /** The single subprotocol the client asked for (draft-76 has no list), or undefined. */
  readonly protocol: string | undefined
  /** /part_1/ and /part_2/ of §5.2 step 7: the key numbers divided by their spaces. */
  readonly part1: number
  readonly part2: number
}

const bad = (reason: string): HandshakeError => new HandshakeError(400, reason)

/** CTLs (other than HTAB) and DEL: never in a value we echo into the response head. */
const hasControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true
  }
  return false
}

/** Whether a comma-separated list holds `token` (lowercase), ignoring case and OWS. */
const listHas = (list: string | undefined, token: string): boolean =>
  list?.split(",").some((item) => item.trim().toLowerCase() === token) ?? false

/**
 * Validates a draft-76 opening handshake request (§4.1 says what a client sends, §5.1 what the
 * server reads). First failure wins:
 * 1. method ≠ GET → 405 + `Allow: GET`; HTTP < 1.1 → 400; HTTP ≥ 2 → 505.
 * 2. no/empty or malformed `Host` → 400.
 * 3. `Upgrade` not `WebSocket` (any case) → 400; `Connection` without `Upgrade` → 400.
 * 4. RFC 6455's `Sec-WebSocket-Key`/`Version` present → 400.
 * 5. Key1, then Key2, invalid (see {@link keyPart}) → 400.
 * 6. no/empty `Origin` → 400.
 * 7. a body (Transfer-Encoding, or a Content-Length other than 8: the 8 bytes are key3) → 400.
 * 8. target not origin-form, or with a fragment → 400.
 * 9. `Sec-WebSocket-Protocol` empty or outside U+0020–U+007E (§4.1) → 400.
 * Never throws.
 *
 * @example
 * ```ts
 * const r = Hixie76.validateUpgrade(head)
 * if (r instanceof HandshakeError) socket.end(Handshake.rejectResponse(r))
 * ```
 */
export const validateUpgrade = (head: RequestHead): UpgradeRequest | HandshakeError => {
  if (head.method !== "GET") return new HandshakeError(405, "method must be GET", { Allow: "GET" })
  if (head.versionMajor < 1 || (head.versionMajor === 1 && head.versionMinor < 1)) {
    return bad("HTTP/1.1 or later required")
  }
  if (head.versionMajor > 1) return new HandshakeError(505, "HTTP version not supported")
  const h = head.headers
  const host = h.host
  if (!host) return bad("missing Host header")
  // The host goes into a URL (§3.2): no whitespace, path, query or fragment characters.
  if (hasControl(host) || /[\s/?#]/.test(host)) return bad("invalid Host header")
  if (h.upgrade === undefined || h.upgrade.toLowerCase() !== "websocket") {
    return bad("Upgrade: WebSocket required")
  }
  if (!listHas(h.connection, "upgrade")) return bad("Connection: Upgrade required")
  if (h["sec-websocket-key"] !== undefined || h["sec-websocket-version"] !== undefined) {
    return bad("RFC 6455 headers in a draft-76 request")
  }
  const part1 = keyPart(h["sec-websocket-key1"], "Sec-WebSocket-Key1")
  if (part1 instanceof HandshakeError) return part1
  const part2 = keyPart(h["sec-websocket-key2"], "Sec-WebSocket-Key2")
  if (part2 instanceof HandshakeError) return part2
  const origin = h.origin
  if (!origin) return bad("missing Origin header")
  if (hasControl(origin)) return bad("invalid Origin header")
  const length = h["content-length"]
  if ((length !== undefined && length !== "8") || h["transfer-encoding"] !== undefined) {
    return bad("upgrade request must not have a body")
  }
  const target = head.target
  if (target.charCodeAt(0) !== 0x2f || target.includes("#") || hasControl(target) || target.includes(" ")) {
    return bad("invalid request target")
  }
  const q = target.indexOf("?")
  const protocol = h["sec-websocket-protocol"]
  if (protocol !== undefined && (protocol === "" || !/^[\x20-\x7e]+$/.test(protocol))) {
    return bad("invalid Sec-WebSocket-Protocol")
  }
  return {
    head,
    resource: target,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? "" : target.slice(q + 1),
    host,
    origin,
    protocol,
    part1,
    part2
  }
}

/**
 * The `Sec-WebSocket-Location` value (§5.2 step 11, §3.2): `ws://` (or `wss://` when `secure`)
 * + the Host as sent + the resource name.
 *
 * @example
 * ```ts
 * Hixie76.websocketLocation(hixieRequest, false) // "ws://example.com/demo"
 * ```
 */
export const websocketLocation = (request: UpgradeRequest, secure: boolean): string =>
  (secure ? "wss://" : "ws://") + request.host + request.resource

/** Headers the handshake writes itself (lowercase): extra headers may not override them. */
const OWNED: ReadonlySet<string> = new Set([
  "upgrade",
  "connection",
  "sec-websocket-origin",
  "sec-websocket-location",
  "sec-websocket-protocol"
])

/** Extra headers: token names only, not ours; values with CTLs/non-ASCII turned to spaces. */
const extraHeaders = (headers: Readonly<Record<string, string>> | undefined): string => {
  let out = ""
  if (headers === undefined) return out
  for (const name of Object.keys(headers)) {
    let token = name.length > 0
    for (let i = 0; token && i < name.length; i++) token = isTokenChar(name.charCodeAt(i))
    if (!token || OWNED.has(name.toLowerCase())) continue
    out +=
      name +
      ": " +
      String(headers[name])
        .replace(/[^\x20-\x7e\t]/g, " ")
        .trim() +
      "\r\n"
  }
  return out
}

/**
 * Options of {@link acceptResponse}.
 *
 * @example
 * ```ts
 * const options: Hixie76.AcceptOptions = { request: hixieRequest, key3, secure: false, acceptProtocol: true }
 * ```
 */
export interface AcceptOptions {
  readonly request: UpgradeRequest
  /** The 8 bytes after the head (from a {@link Key3Collector}). */
  readonly key3: Uint8Array
  /** TLS connection: `wss://` in the location. Default false. */
  readonly secure?: boolean | undefined
  /** Echo the client's subprotocol (the server accepts it); ignored when none was asked. */
  readonly acceptProtocol?: boolean | undefined
  /** Extra response headers (e.g. Set-Cookie); the handshake's own headers cannot be replaced. */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * The server's whole opening handshake (§5.2 steps 10–13) in one buffer: the 101 status line,
 * `Upgrade: WebSocket`, `Connection: Upgrade`, `Sec-WebSocket-Origin`, `Sec-WebSocket-Location`,
 * `Sec-WebSocket-Protocol` when accepted, extra headers, the empty line, then the 16-byte answer.
 * Values the request supplied were checked by {@link validateUpgrade}; they are written as latin1,
 * byte for byte what the client sent (its §4.1 checks compare them exactly).
 *
 * @example
 * ```ts
 * socket.write(Hixie76.acceptResponse({ request: hixieRequest, key3, secure: false }))
 * ```
 */
export const acceptResponse = (options: AcceptOptions): Uint8Array => {
  const { request } = options
  let head =
    "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Origin: " +
    request.origin +
    "\r\n" +
    "Sec-WebSocket-Location: " +
    websocketLocation(request, options.secure === true) +
    "\r\n"
  if (options.acceptProtocol === true && request.protocol !== undefined) {
    head += "Sec-WebSocket-Protocol: " + request.protocol + "\r\n"
  }
  head += extraHeaders(options.headers) + "\r\n"
  const n = Buffer.byteLength(head, "latin1")
  const out = Buffer.allocUnsafe(n + 16)
  out.write(head, 0, n, "latin1")
  out.set(challengeResponse(request.part1, request.part2, options.key3), n)
  return out
}

/**
 * key3 and the bytes that followed it in the same chunk (a zero-copy subarray: frames the client
 * sent right behind the handshake).
 *
 * @example
 * ```ts
 * const { key3, rest } = key3Complete
 * if (rest.length > 0) parser.push(rest)
 * ```
 */
export interface Key3Complete {
  readonly key3: Uint8Array
  readonly rest: Uint8Array
}

const ALREADY_COMPLETE = new HandshakeError(500, "key3 collector already complete")

/**
 * Collects key3, the 8 bytes after the request head (§4.1, §5.2 step 8), from any chunking: feed
 * it the head parser's `rest` (possibly empty), then later chunks. Returns `undefined` until it has
 * 8 bytes, then (once) key3 — copied, 8 bytes are cheaper to copy than to keep a chunk alive — and
 * the rest of that chunk, which must go to the frame parser. A push after that is a caller bug,
 * answered with HandshakeError(500) rather than a throw.
 *
 * @example
 * ```ts
 * const collector = new Hixie76.Key3Collector()
 * collector.push(Uint8Array.of(1, 2, 3))               // undefined: 3 of 8
 * collector.push(Uint8Array.of(4, 5, 6, 7, 8, 0, 0xff)) // { key3: 1..8, rest: <00 ff> }
 * ```
 */
export class Key3Collector {
  private readonly key3 = new Uint8Array(KEY3_LENGTH)
  private got = 0
  private done = false

  /**
   * Feeds bytes; see the class comment.
   *
   * @example
   * ```ts
   * const r = new Hixie76.Key3Collector().push(Buffer.from("Tm[K T2u"))
   * ```
   */
  push(chunk: Uint8Array): Key3Complete | HandshakeError | undefined {
    if (this.done) return ALREADY_COMPLETE
    const take = Math.min(KEY3_LENGTH - this.got, chunk.length)
    this.key3.set(chunk.subarray(0, take), this.got)
    this.got += take
    if (this.got < KEY3_LENGTH) return undefined
    this.done = true
    return { key3: this.key3, rest: chunk.subarray(take) }
  }
}
