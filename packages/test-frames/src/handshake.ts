/**
 * The client side of the opening handshake (RFC 6455 §4.1, §4.2.2): a key, the accept the server
 * must answer with, the request bytes (any header can be replaced or dropped, for handshake abuse
 * tests), and the response head, read and checked.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto"

/**
 * The GUID a server appends to the client's key (RFC 6455 §1.3).
 *
 * @example
 * ```ts
 * createHash("sha1").update(SAMPLE_KEY + GUID).digest("base64") // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/**
 * The key of the RFC's example handshake (RFC 6455 §1.3), for deterministic requests.
 *
 * @example
 * ```ts
 * upgradeRequest({ key: SAMPLE_KEY })
 * ```
 */
export const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="

/**
 * A fresh `Sec-WebSocket-Key`: base64 of 16 random bytes (RFC 6455 §4.1 item 7).
 *
 * @example
 * ```ts
 * newKey().length // 24
 * ```
 */
export const newKey = (): string => randomBytes(16).toString("base64")

/**
 * The `Sec-WebSocket-Accept` a server must answer for `key`: base64(SHA-1(key + GUID)) (§4.2.2).
 *
 * @example
 * ```ts
 * expectedAccept(SAMPLE_KEY) // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" (RFC 6455 §1.3)
 * ```
 */
export const expectedAccept = (key: string): string =>
  createHash("sha1")
    .update(key + GUID)
    .digest("base64")

/**
 * What goes into an upgrade request; everything has a valid default.
 *
 * @example
 * ```ts
 * const bad: RequestOptions = { headers: { "Sec-WebSocket-Version": "8", Upgrade: null } }
 * ```
 */
export interface RequestOptions {
  /** The Host header; default "127.0.0.1". */
  readonly host?: string | undefined
  /** The request target; default "/". */
  readonly path?: string | undefined
  /** Sec-WebSocket-Key; default a fresh {@link newKey}. */
  readonly key?: string | undefined
  readonly method?: string | undefined
  /** default "HTTP/1.1" */
  readonly httpVersion?: string | undefined
  /** Headers replacing or adding to the defaults (same spelling); `null` drops a default one. */
  readonly headers?: Readonly<Record<string, string | null>> | undefined
}

/**
 * The client's opening handshake request (RFC 6455 §4.1): `GET`, `Host`, `Upgrade: websocket`,
 * `Connection: Upgrade`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`, then `headers`. A
 * string: write it with `Buffer.from(request, "latin1")` to keep any non-ASCII byte as one byte.
 *
 * @example
 * ```ts
 * socket.write(upgradeRequest({ host: "localhost:8080", path: "/chat", key: SAMPLE_KEY }))
 * upgradeRequest({ headers: { "X-Padding": "a".repeat(2000) } })
 * ```
 */
export const upgradeRequest = (options: RequestOptions = {}): string => {
  const headers: Record<string, string | null> = {
    Host: options.host ?? "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": options.key ?? newKey(),
    "Sec-WebSocket-Version": "13",
    ...options.headers
  }
  let out = `${options.method ?? "GET"} ${options.path ?? "/"} ${options.httpVersion ?? "HTTP/1.1"}\r\n`
  for (const [name, value] of Object.entries(headers)) if (value !== null) out += `${name}: ${value}\r\n`
  return out + "\r\n"
}

/**
 * A response head.
 *
 * @example
 * ```ts
 * const ok = (head: ResponseHead) => head.status === 101 && head.headers.get("upgrade") === "websocket"
 * ```
 */
export interface ResponseHead {
  /** The status code, 0 when the status line is not HTTP/1.x. */
  readonly status: number
  readonly statusLine: string
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>
  /** Bytes of the head, the final CRLFCRLF included. */
  readonly headLength: number
}

/**
 * The response head at the start of `bytes`, or undefined while its end (CRLFCRLF) has not arrived.
 *
 * @example
 * ```ts
 * parseResponseHead(Buffer.from("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))?.status // 101
 * ```
 */
export const parseResponseHead = (bytes: Buffer): ResponseHead | undefined => {
  const end = bytes.indexOf("\r\n\r\n")
  if (end < 0) return undefined
  const lines = bytes.toString("latin1", 0, end).split("\r\n")
  const statusLine = lines[0] ?? ""
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value)
  }
  return { status: m ? Number(m[1]) : 0, statusLine, headers, headLength: end + 4 }
}

/**
 * Collects a response head across chunks.
 *
 * @example
 * ```ts
 * const heads = new ResponseHeadReader()
 * socket.on("data", (chunk: Buffer) => {
 *   const r = heads.push(chunk)
 *   if (r !== undefined && r !== "too-large") console.log(r.head.status, r.rest.length)
 * })
 * ```
 */
export class ResponseHeadReader {
  private bytes: Buffer = Buffer.alloc(0)
  /** `maxSize`: bytes without a complete head after which the reader gives up. */
  constructor(private readonly maxSize = 64 * 1024) {}

  /** undefined while incomplete; then the head and the bytes after it (the first frames). */
  push(chunk: Buffer): { readonly head: ResponseHead; readonly rest: Buffer } | "too-large" | undefined {
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk])
    const head = parseResponseHead(this.bytes)
    if (head === undefined) return this.bytes.length > this.maxSize ? "too-large" : undefined
    return { head, rest: this.bytes.subarray(head.headLength) }
  }
}

/**
 * What is wrong with a response to an upgrade request sent with `key`, as a client checks it
 * (RFC 6455 §4.1, §4.2.2): status 101, `Upgrade: websocket`, `Connection: Upgrade`, the right
 * `Sec-WebSocket-Accept`. Empty when the upgrade succeeded.
 *
 * @example
 * ```ts
 * const problems = checkUpgradeResponse(head, key)
 * if (problems.length > 0) throw new Error(problems.join("; "))
 * ```
 */
export const checkUpgradeResponse = (head: ResponseHead, key: string): Array<string> => {
  const problems: Array<string> = []
  if (head.status !== 101) problems.push(`status ${head.statusLine || "(none)"}, expected 101`)
  const tokens = (v: string | undefined) => (v ?? "").split(",").map((t) => t.trim().toLowerCase())
  if (!tokens(head.headers.get("upgrade")).includes("websocket")) problems.push("missing Upgrade: websocket (RFC 6455 §4.2.2)")
  if (!tokens(head.headers.get("connection")).includes("upgrade")) problems.push("missing Connection: Upgrade (RFC 6455 §4.2.2)")
  if (head.headers.get("sec-websocket-accept") !== expectedAccept(key)) {
    problems.push(`wrong Sec-WebSocket-Accept ${head.headers.get("sec-websocket-accept")} (RFC 6455 §4.2.2)`)
  }
  return problems
}
