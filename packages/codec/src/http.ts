/**
 * Incremental HTTP/1.1 request-head parser for the WebSocket opening handshake (RFC 6455 §4.1,
 * §4.2.1; message syntax from RFC 9112). It is fed raw socket bytes in any chunking and answers
 * once the empty line ending the head has arrived. Bytes after that line are returned untouched as
 * `rest`: a client may pipeline its first frames right behind the handshake (RFC 6455 §4.1 lets it
 * send frames as soon as it has the 101, but nothing stops a bad or fast client), and losing them
 * would corrupt the stream.
 *
 * Design (performance matters, this runs once per connection):
 * - While the head is incomplete we only look for line feeds with `indexOf` (native memchr) and
 *   remember how long the current line is, so every byte is scanned once whatever the chunking
 *   (one byte at a time is linear, not quadratic).
 * - Chunks are kept by reference and concatenated once, when the head is complete, then decoded
 *   as latin1 once (header bytes are octets, RFC 9110 §5.5) and parsed with charCode loops.
 * - The size limit is enforced as bytes arrive, before a terminator is seen (431, RFC 6585 §5).
 *
 * Line endings: CRLF, and also a bare LF, are accepted as line terminators (RFC 9112 §2.2 allows a
 * recipient to recognise a single LF). A bare CR anywhere is rejected with 400 (RFC 9112 §2.2:
 * such an element is invalid). Leading empty lines before the request line are ignored
 * (RFC 9112 §2.2: a server SHOULD ignore at least one).
 *
 * Imported as a namespace: `new Http.RequestHeadParser()`, `Http.fromNode(req)`.
 *
 * @module
 */
import { HandshakeError } from "./errors.js"

/**
 * A parsed request head: what validation needs, nothing more. Also built from a head that Node's
 * `http` module already parsed (see {@link fromNode}).
 *
 * @example
 * ```ts
 * const head: Http.RequestHead = { method: "GET", target: "/chat", versionMajor: 1, versionMinor: 1,
 *   headers: { host: "example.com" } }
 * ```
 */
export interface RequestHead {
  readonly method: string
  /** The request-target as sent: origin-form `path?query`, or absolute-form (RFC 9112 §3.2). */
  readonly target: string
  readonly versionMajor: number
  readonly versionMinor: number
  /** lowercase name → value; repeated headers joined with ", " (RFC 9110 §5.3); null prototype */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Options of {@link RequestHeadParser}.
 *
 * @example
 * ```ts
 * const options: Http.RequestHeadParserOptions = { maxHeadSize: 8 * 1024 }
 * ```
 */
export interface RequestHeadParserOptions {
  /** Largest accepted head in bytes, terminator included; larger → HandshakeError(431). */
  readonly maxHeadSize?: number
}

/**
 * A complete head, plus the bytes that followed it in the same chunk (zero-copy subarray).
 *
 * @example
 * ```ts
 * const { head, rest } = complete
 * if (rest.length > 0) frameParser.push(rest) // the client's first frames
 * ```
 */
export interface RequestHeadComplete {
  readonly head: RequestHead
  readonly rest: Uint8Array
}

/**
 * `undefined` = need more bytes; a head; or the rejection to answer with.
 *
 * @example
 * ```ts
 * const r: Http.RequestHeadResult = heads.push(chunk)
 * if (r instanceof HandshakeError) socket.end(Handshake.rejectResponse(r))
 * ```
 */
export type RequestHeadResult = undefined | RequestHeadComplete | HandshakeError

/**
 * Default `maxHeadSize`: 16 KiB, like Node's `--max-http-header-size`.
 *
 * @example
 * ```ts
 * new Http.RequestHeadParser({ maxHeadSize: 2 * Http.DEFAULT_MAX_HEAD_SIZE })
 * ```
 */
export const DEFAULT_MAX_HEAD_SIZE = 16 * 1024

const LF = 0x0a
const CR = 0x0d
const SP = 0x20
const HTAB = 0x09
const COLON = 0x3a

/** tchar (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, DIGIT, ALPHA, as a lookup table. */
const TCHAR: Uint8Array = (() => {
  const t = new Uint8Array(256)
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1
  return t
})()

/**
 * Whether a char code is a `tchar` (RFC 9110 §5.6.2), the characters of methods, header names and
 * the tokens of the WebSocket headers. Small enough for V8 to inline in scanning loops.
 *
 * @example
 * ```ts
 * Http.isTokenChar("a".charCodeAt(0)) // true
 * Http.isTokenChar(0x20)              // false (space)
 * ```
 */
export const isTokenChar = (code: number): boolean => TCHAR[code] === 1

/**
 * Incremental request-head parser. Pushed chunks are kept by reference until the head completes
 * (do not reuse them meanwhile); `rest` is a subarray of the last chunk.
 *
 * @example
 * ```ts
 * const parser = new Http.RequestHeadParser()
 * parser.push(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n")) // undefined: incomplete
 * const r = parser.push(Buffer.from("\r\n\x81\x80")) // { head, rest: <81 80> }
 * ```
 */
export class RequestHeadParser {
  private readonly max: number
  private chunks: Array<Uint8Array> = []
  /** Bytes pushed so far (all of `chunks`). */
  private size = 0
  /** Bytes of the current, unterminated line seen so far, and its first byte. */
  private lineLen = 0
  private lineFirst = 0
  /** Non-empty lines seen; while 0, an empty line is a leading one to ignore, not the end. */
  private lines = 0
  /** Offset (in the whole stream) where the request line starts, after ignored empty lines. */
  private start = 0
  private result: RequestHeadComplete | HandshakeError | undefined

  constructor(options?: RequestHeadParserOptions) {
    const max = options?.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE
    this.max = Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_HEAD_SIZE
  }

  /**
   * Feeds bytes. Returns `undefined` while incomplete, then the head (once) or an error. After a
   * result, the parser is finished: an error is returned again; a second push after a complete
   * head is a caller bug, answered with HandshakeError(500) rather than a throw.
   */
  push(chunk: Uint8Array): RequestHeadResult {
    const done = this.result
    if (done !== undefined) {
      return done instanceof HandshakeError ? done : ALREADY_COMPLETE
    }
    // Only the bytes that still fit in the limit may hold the terminator.
    const room = this.max - this.size
    const limit = Math.min(chunk.length, room)
    let from = 0
    let lf = limit > 0 ? chunk.indexOf(LF) : -1
    while (lf !== -1 && lf < limit) {
      const len = this.lineLen + (lf - from)
      const first = this.lineLen === 0 ? chunk[from] : this.lineFirst
      if (len === 0 || (len === 1 && first === CR)) {
        // An empty line (CRLF or bare LF, RFC 9112 §2.2).
        if (this.lines !== 0) return this.complete(chunk, lf + 1)
        this.start = this.size + lf + 1 // leading empty line: ignored (RFC 9112 §2.2)
      } else {
        this.lines++
      }
      this.lineLen = 0
      from = lf + 1
      lf = chunk.indexOf(LF, from)
    }
    if (from < limit) {
      if (this.lineLen === 0) this.lineFirst = chunk[from]!
      this.lineLen += limit - from
    }
    if (this.size + limit >= this.max) {
      // `max` bytes and still no terminator: the head is larger than allowed (RFC 6585 §5).
      this.chunks = []
      return (this.result = new HandshakeError(431, "request header fields too large"))
    }
    if (chunk.length > 0) this.chunks.push(chunk)
    this.size += chunk.length
    return undefined
  }

  private complete(chunk: Uint8Array, end: number): RequestHeadComplete | HandshakeError {
    const total = this.size + end
    let bytes: Buffer
    if (this.chunks.length === 0) {
      bytes = Buffer.from(chunk.buffer, chunk.byteOffset, end)
    } else {
      this.chunks.push(chunk.subarray(0, end))
      bytes = Buffer.concat(this.chunks, total)
    }
    this.chunks = []
    const text = bytes.toString("latin1", this.start, total)
    const head = parseHeadText(text)
    this.result = head instanceof HandshakeError ? head : { head, rest: chunk.subarray(end) }
    return this.result
  }
}

const ALREADY_COMPLETE = new HandshakeError(500, "request head parser already complete")

/**
 * One-shot parse of bytes starting with a request head (convenience for tests and tools).
 *
 * @example
 * ```ts
 * const r = Http.parseRequestHead(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
 * if (r !== undefined && !(r instanceof HandshakeError)) r.head.headers.host // "a"
 * ```
 */
export const parseRequestHead = (bytes: Uint8Array, options?: RequestHeadParserOptions): RequestHeadResult =>
  new RequestHeadParser(options).push(bytes)

const bad = (reason: string): HandshakeError => new HandshakeError(400, reason)

/** Parses the latin1 text of a complete head (ends with an empty line). */
const parseHeadText = (text: string): RequestHead | HandshakeError => {
  let eol = text.indexOf("\n")
  let end = eol > 0 && text.charCodeAt(eol - 1) === CR ? eol - 1 : eol
  const line = parseRequestLine(text, end)
  if (line instanceof HandshakeError) return line
  const headers: Record<string, string> = Object.create(null)
  let pos = eol + 1
  for (;;) {
    eol = text.indexOf("\n", pos) // always found: the text ends with an empty line
    end = eol > pos && text.charCodeAt(eol - 1) === CR ? eol - 1 : eol
    if (end === pos) break
    const error = parseFieldLine(text, pos, end, headers)
    if (error !== undefined) return error
    pos = eol + 1
  }
  return { ...line, headers }
}

/** request-line = method SP request-target SP HTTP-version (RFC 9112 §3), single SPs. */
const parseRequestLine = (text: string, end: number): Omit<RequestHead, "headers"> | HandshakeError => {
  let i = 0
  while (i < end && TCHAR[text.charCodeAt(i)] === 1) i++
  if (i === 0 || i >= end || text.charCodeAt(i) !== SP) return bad("malformed request line")
  const method = text.slice(0, i)
  const targetStart = ++i
  // request-target is visible US-ASCII only (RFC 9112 §3.2, RFC 3986 §2).
  for (let c = text.charCodeAt(i); i < end && c > SP && c < 0x7f; c = text.charCodeAt(++i));
  if (i === targetStart || i >= end || text.charCodeAt(i) !== SP) return bad("malformed request line")
  const target = text.slice(targetStart, i)
  i++
  // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
  if (end - i !== 8 || !text.startsWith("HTTP/", i) || text.charCodeAt(i + 6) !== 0x2e) {
    return bad("malformed HTTP version")
  }
  const major = text.charCodeAt(i + 5) - 0x30
  const minor = text.charCodeAt(i + 7) - 0x30
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return bad("malformed HTTP version")
  return { method, target, versionMajor: major, versionMinor: minor }
}

/**
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). Rejects obs-fold (§5.2), whitespace
 * before the colon (§5.1) and control characters in values (RFC 9110 §5.5); adds into `headers`.
 */
const parseFieldLine = (text: string, start: number, end: number, headers: Record<string, string>): HandshakeError | undefined => {
  let c = text.charCodeAt(start)
  if (c === SP || c === HTAB) return bad("obsolete line folding")
  let i = start
  let upper = false
  for (; i < end; i++) {
    c = text.charCodeAt(i)
    if (TCHAR[c] !== 1) break
    if (c >= 0x41 && c <= 0x5a) upper = true
  }
  if (i >= end) return bad("header line without colon")
  if (c !== COLON) {
    return bad(c === SP || c === HTAB ? "whitespace before header colon" : "invalid header name")
  }
  if (i === start) return bad("empty header name")
  let name = text.slice(start, i)
  if (upper) name = name.toLowerCase()
  // Trim OWS (SP / HTAB) on both sides of the value (RFC 9112 §5.1).
  let v = i + 1
  let ve = end
  while (v < ve && ((c = text.charCodeAt(v)) === SP || c === HTAB)) v++
  while (ve > v && ((c = text.charCodeAt(ve - 1)) === SP || c === HTAB)) ve--
  for (let k = v; k < ve; k++) {
    c = text.charCodeAt(k)
    // VCHAR / obs-text / SP / HTAB only: NUL, bare CR, other CTLs and DEL are rejected.
    if ((c < SP && c !== HTAB) || c === 0x7f) return bad("invalid character in header value")
  }
  const value = text.slice(v, ve)
  const previous = headers[name]
  if (previous === undefined) {
    headers[name] = value
  } else if (name === "host") {
    return bad("duplicate Host header") // RFC 9112 §3.2: MUST respond 400
  } else {
    // Combine repeated lines (RFC 9110 §5.3); Cookie uses "; " like Node (RFC 6265 §5.4).
    headers[name] = previous + (name === "cookie" ? "; " : ", ") + value
  }
  return undefined
}

/**
 * Builds a {@link RequestHead} from a Node `http.IncomingMessage` (structurally typed, so the codec
 * has no dependency on `node:http`). Node already lowercases names; array values are joined with
 * ", " (RFC 9110 §5.3).
 *
 * @example
 * ```ts
 * server.on("upgrade", (req, socket) => {
 *   const r = Handshake.validateUpgrade(Http.fromNode(req))
 * })
 * ```
 */
export const fromNode = (req: {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly httpVersionMajor: number
  readonly httpVersionMinor: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}): RequestHead => {
  const headers: Record<string, string> = Object.create(null)
  for (const name of Object.keys(req.headers)) {
    const value = req.headers[name]
    if (value === undefined) continue
    headers[name.toLowerCase()] = typeof value === "string" ? value : value.join(", ")
  }
  return {
    method: req.method ?? "",
    target: req.url ?? "",
    versionMajor: req.httpVersionMajor,
    versionMinor: req.httpVersionMinor,
    headers
  }
}
