/** Minimal HTTP/1.1 handshake helpers for the raw client (RFC 6455 §4.1, §4.2). */
import { createHash, randomBytes } from "node:crypto"

export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/** §4.2.2 step 5.4: base64(SHA-1(key + GUID)). */
export const acceptFor = (key: string): string => createHash("sha1").update(key + WS_GUID).digest("base64")

export const newKey = (): string => randomBytes(16).toString("base64")

export interface RequestOptions {
  readonly host: string // host:port for the Host header
  readonly path?: string
  readonly key?: string
  readonly method?: string
  readonly httpVersion?: string
  /** Header lines replacing/adding to the defaults; a value of null removes that header. */
  readonly headers?: Readonly<Record<string, string | null>>
}

export const buildRequest = (o: RequestOptions): string => {
  const headers: Record<string, string | null> = {
    Host: o.host,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": o.key ?? newKey(),
    "Sec-WebSocket-Version": "13",
    ...o.headers
  }
  let s = `${o.method ?? "GET"} ${o.path ?? "/"} ${o.httpVersion ?? "HTTP/1.1"}\r\n`
  for (const [k, v] of Object.entries(headers)) if (v !== null) s += `${k}: ${v}\r\n`
  return s + "\r\n"
}

export interface ResponseHead {
  readonly status: number
  readonly statusLine: string
  /** Lower-cased names; repeated headers are joined with ", ". */
  readonly headers: ReadonlyMap<string, string>
  readonly headLength: number // bytes including the final CRLFCRLF
}

/** Parses a response head if `buf` contains a complete one; undefined if more bytes are needed. */
export const parseResponseHead = (buf: Buffer): ResponseHead | undefined => {
  const end = buf.indexOf("\r\n\r\n")
  if (end < 0) return undefined
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n")
  const statusLine = lines[0] ?? ""
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":")
    if (i <= 0) continue
    const name = line.slice(0, i).trim().toLowerCase()
    const value = line.slice(i + 1).trim()
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value)
  }
  return { status: m ? Number(m[1]) : 0, statusLine, headers, headLength: end + 4 }
}

/** Checks a 101 response against §4.1 (client requirements); returns the problems found. */
export const checkUpgradeResponse = (head: ResponseHead, key: string): string[] => {
  const problems: string[] = []
  if (head.status !== 101) problems.push(`status ${head.statusLine || "(none)"}, expected 101`)
  const tokens = (v: string | undefined) => (v ?? "").split(",").map((t) => t.trim().toLowerCase())
  if (!tokens(head.headers.get("upgrade")).includes("websocket")) problems.push("missing Upgrade: websocket (RFC 6455 §4.2.2)")
  if (!tokens(head.headers.get("connection")).includes("upgrade")) problems.push("missing Connection: Upgrade (RFC 6455 §4.2.2)")
  if (head.headers.get("sec-websocket-accept") !== acceptFor(key)) {
    problems.push(`wrong Sec-WebSocket-Accept ${head.headers.get("sec-websocket-accept")} (RFC 6455 §4.2.2)`)
  }
  return problems
}
