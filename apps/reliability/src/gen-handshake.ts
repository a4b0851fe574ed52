/**
 * Fuzz input generators for the opening handshake: valid upgrade requests with random header
 * order, case, token lists, OWS, extra headers, bare-LF line endings and pipelined frame bytes
 * behind the head (the differential oracle knows their key/path/query/protocols/rest), and
 * mutations of them (byte noise, CR/LF/colon/space/NUL injection, header drops, wrong values).
 */
import type { Rng } from "./lib/rng.js"
import { concat } from "./gen-frames.js"

export interface RequestCase {
  readonly bytes: Uint8Array
  /** For an unmutated request: what validation must find. */
  readonly expect: { key: string; path: string; query: string; protocols: string[]; rest: Uint8Array } | undefined
  readonly maxHeadSize: number | undefined
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const TOKEN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"
const PATH = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%"

const str = (rng: Rng, alphabet: string, lo: number, hi: number): string => {
  let s = ""
  const n = rng.range(lo, hi)
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)]
  return s
}

/** A canonical base64 key of 16 random bytes (22 chars, last with 4 zero bits, "=="). */
const key = (rng: Rng): string => {
  let s = ""
  for (let i = 0; i < 21; i++) s += B64[rng.int(64)]
  return s + B64[rng.int(4) << 4] + "=="
}

const randomCase = (rng: Rng, s: string): string =>
  rng.chance(0.5) ? s : Array.from(s, (c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join("")

const ows = (rng: Rng): string => (rng.chance(0.8) ? "" : rng.pick([" ", "\t", "  ", " \t"]))

/** A token list containing `token` among random others, with random OWS. */
const tokenList = (rng: Rng, token: string): string => {
  const items = [randomCase(rng, token)]
  const extra = rng.chance(0.7) ? 0 : rng.range(1, 3)
  for (let i = 0; i < extra; i++) items.splice(rng.int(items.length + 1), 0, str(rng, TOKEN, 1, 8))
  return items.map((t) => ows(rng) + t + ows(rng)).join(",")
}

/** A valid upgrade request (plus pipelined bytes), and the expected validation result. */
export const validRequest = (rng: Rng): RequestCase => {
  const path = "/" + str(rng, PATH.replace("?", ""), 0, 40)
  const query = rng.chance(0.3) ? str(rng, PATH + "?", 0, 30) : undefined
  const k = key(rng)
  // Subprotocols MUST be unique (RFC 6455 §4.1 item 10): dedupe the random tokens.
  const protocols = rng.chance(0.3) ? [...new Set(Array.from({ length: rng.range(1, 4) }, () => str(rng, TOKEN, 1, 10)))] : []
  const headers: Array<[string, string]> = [
    ["Host", rng.chance(0.5) ? "127.0.0.1:9000" : str(rng, "abcdefghijklmnop.", 1, 30)],
    ["Upgrade", tokenList(rng, "websocket")],
    ["Connection", tokenList(rng, "Upgrade")],
    ["Sec-WebSocket-Key", k],
    ["Sec-WebSocket-Version", "13"]
  ]
  if (protocols.length > 0) headers.push(["Sec-WebSocket-Protocol", protocols.join(", ")])
  if (rng.chance(0.3)) headers.push(["Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"])
  const extras = rng.chance(0.5) ? rng.range(1, 12) : 0
  for (let i = 0; i < extras; i++) headers.push(["X-" + str(rng, TOKEN, 1, 12), str(rng, PATH + " \t", 0, 60).trim()])
  // Shuffle (Fisher–Yates).
  for (let i = headers.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = headers[i]!
    headers[i] = headers[j]!
    headers[j] = t
  }
  const eol = rng.chance(0.9) ? "\r\n" : "\n"
  let text = (rng.chance(0.05) ? "\r\n" : "") + `GET ${path}${query !== undefined ? "?" + query : ""} HTTP/1.1${eol}`
  for (const [name, value] of headers) text += `${randomCase(rng, name)}:${ows(rng)}${value}${ows(rng)}${eol}`
  text += eol
  const rest = rng.chance(0.3) ? rng.bytes(rng.range(1, 64)) : new Uint8Array(0)
  return {
    bytes: concat([Buffer.from(text, "latin1"), rest]),
    expect: { key: k, path, query: query ?? "", protocols, rest },
    maxHeadSize: undefined
  }
}

const INJECT = [0x0d, 0x0a, 0x3a, 0x20, 0x09, 0x00, 0x7f, 0xff, 0x2c, 0x22]
const WRONG_LINES = [
  "POST / HTTP/1.1",
  "GET / HTTP/1.0",
  "GET / HTTP/2.0",
  "GET  / HTTP/1.1",
  "GET / http/1.1",
  "GET /#frag HTTP/1.1",
  "GET http://a/b?c HTTP/1.1",
  "GET * HTTP/1.1",
  "G\u00c9T / HTTP/1.1",
  "GET / HTTP/1.1 ",
  " GET / HTTP/1.1"
]
const WRONG_HEADERS = [
  "Sec-WebSocket-Version: 8",
  "Sec-WebSocket-Version: 13, 8",
  "Sec-WebSocket-Key: short==",
  "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAB==",
  "Host: b",
  "Host:",
  "Content-Length: 5",
  "Transfer-Encoding: chunked",
  "Upgrade: h2c",
  "Connection: keep-alive",
  " folded: value",
  "Bad Header: x",
  ": empty",
  "X: a\rb",
  "Sec-WebSocket-Protocol: a b",
  "Sec-WebSocket-Protocol: ,,",
  'Sec-WebSocket-Extensions: x; y="a b"',
  "Sec-WebSocket-Extensions: ;",
  'Sec-WebSocket-Extensions: x; y="unterminated'
]

/** A request with 1–5 mutations; sometimes a small maxHeadSize (→ 431). */
export const mutatedRequest = (rng: Rng): RequestCase => {
  const base = validRequest(rng)
  let text = Buffer.from(base.bytes).toString("latin1")
  const count = rng.range(1, 5)
  for (let k = 0; k < count; k++) {
    const lines = text.split("\n")
    switch (rng.int(7)) {
      case 0: {
        // inject a special byte
        const at = rng.int(text.length + 1)
        text = text.slice(0, at) + String.fromCharCode(rng.pick(INJECT)) + text.slice(at)
        break
      }
      case 1: {
        // replace a byte with noise
        const at = rng.int(Math.max(1, text.length))
        text = text.slice(0, at) + String.fromCharCode(rng.int(256)) + text.slice(at + 1)
        break
      }
      case 2: // drop a header line
        if (lines.length > 3) lines.splice(rng.range(1, lines.length - 3), 1)
        text = lines.join("\n")
        break
      case 3: // wrong request line
        lines[0] = rng.pick(WRONG_LINES) + "\r"
        text = lines.join("\n")
        break
      case 4: // add a wrong or duplicate header
        lines.splice(rng.range(1, Math.max(1, lines.length - 2)), 0, rng.pick(WRONG_HEADERS) + "\r")
        text = lines.join("\n")
        break
      case 5: // truncate
        text = text.slice(0, rng.int(text.length + 1))
        break
      default: // a huge header
        lines.splice(1, 0, "X-Big: " + "a".repeat(rng.range(1000, 20_000)) + "\r")
        text = lines.join("\n")
    }
  }
  return {
    bytes: Buffer.from(text, "latin1"),
    expect: undefined,
    maxHeadSize: rng.chance(0.2) ? rng.range(16, 2048) : undefined
  }
}
