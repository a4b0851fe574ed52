/**
 * Plain HTTP requests on `listen`'s port: a request without an `Upgrade` header is not a
 * WebSocket client, and by default gets 426 (see `upgrade.ts`). With the `httpRequest` option
 * the app answers such requests itself — the page that opens the WebSocket, a health check — so
 * one port (and one origin) serves both, with TLS when `listen` has it.
 *
 * This is not a web server: one request per connection (`Connection: close`, no keep-alive), no
 * request body read, a synchronous answer. The origin and per-address limits guard upgrades
 * only (a page is public; what it opens is checked); `handshakeTimeoutMs` and `maxHeadSize`
 * apply as to any request head.
 */
import type * as Net from "node:net"
import type { Http } from "@wspipe/codec"
import { Effect } from "effect"
import type { Acceptor } from "./upgrade.js"

/** A plain HTTP request, as the `httpRequest` option sees it. */
export interface HttpRequest {
  /** `GET`, `HEAD`, `POST`… as sent. */
  readonly method: string
  /** The path of the target without the query, e.g. `/` or `/app.js`. */
  readonly path: string
  /** The query without `?` ("" when none). */
  readonly query: string
  /** lowercase name → value; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
}

/** The answer to a plain HTTP request. */
export interface HttpResponse {
  readonly status: number
  /** Extra headers (`Content-Type`, `Cache-Control`…); `Content-Length` and `Connection` are the server's. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Sent as UTF-8 when a string; omitted for `HEAD`. Default: empty. */
  readonly body?: string | Uint8Array | undefined
}

/**
 * Answers plain HTTP requests; `undefined` leaves the request to the default answer (426, or 405
 * for a method other than GET). A responder that throws gives the client 500 and is logged.
 *
 * @example
 * ```ts
 * import type { Server } from "@wspipe/server"
 *
 * const page: Server.HttpResponder = (request) =>
 *   request.path === "/" ? { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }, body: "<!doctype html>…" }
 *     : { status: 404, body: "not found" }
 * ```
 */
export type HttpResponder = (request: HttpRequest) => HttpResponse | undefined

/** A request the WebSocket handshake is not for: it asks for no protocol upgrade at all. */
export const isPlainRequest = (head: Http.RequestHead): boolean => head.headers.upgrade === undefined

/**
 * Answers `head` with `respond`'s response and ends the socket. Returns false, without writing,
 * when the responder leaves the request to the default answer.
 */
export const answerPlain = (acceptor: Acceptor, socket: Net.Socket, head: Http.RequestHead, respond: HttpResponder): boolean => {
  let response: HttpResponse | undefined
  try {
    response = respond(requestOf(head))
  } catch (defect) {
    acceptor.runFork(Effect.logError("httpRequest responder failed", defect))
    response = { status: 500, body: "internal server error\n" }
  }
  if (response === undefined) return false
  if (!socket.destroyed) socket.end(encode(response, head.method === "HEAD"))
  // A client that never reads the answer must not keep the socket (as for a rejected upgrade).
  setTimeout(() => socket.destroy(), 2_000).unref()
  return true
}

const requestOf = (head: Http.RequestHead): HttpRequest => {
  // Absolute-form targets (`http://host/path`) are rare; keep only their path.
  const target = head.target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "")
  const q = target.indexOf("?")
  return {
    method: head.method,
    path: (q === -1 ? target : target.slice(0, q)) || "/",
    query: q === -1 ? "" : target.slice(q + 1),
    headers: head.headers
  }
}

/** Header names are tokens (RFC 9110 §5.1); values lose CR, LF and other controls (no header injection, §5.5). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const OWNED: ReadonlySet<string> = new Set(["content-length", "connection", "transfer-encoding"])
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g

const encode = (response: HttpResponse, headOnly: boolean): Buffer => {
  const status = Number.isInteger(response.status) && response.status >= 200 && response.status <= 599 ? response.status : 500
  const body = typeof response.body === "string" ? Buffer.from(response.body, "utf8") : Buffer.from(response.body ?? new Uint8Array(0))
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n`
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (!TOKEN.test(name) || OWNED.has(name.toLowerCase())) continue
    head += `${name}: ${String(value).replace(CONTROL, " ").trim()}\r\n`
  }
  head += `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`
  const bytes = Buffer.from(head, "latin1")
  return headOnly ? bytes : Buffer.concat([bytes, body])
}

/** Reason phrases of the statuses an app is likely to answer with (RFC 9110 §15; optional, RFC 9112 §4). */
const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  410: "Gone",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}
