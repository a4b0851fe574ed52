/**
 * Category H (opening handshake), which Autobahn lacks. RFC 6455 §4.1 (client requirements the
 * server checks), §4.2.1 (reading the client's handshake), §4.2.2 (server response, 101 with
 * Sec-WebSocket-Accept; 400 for a bad request), §4.4 (unsupported version: 426 + Sec-WebSocket-Version),
 * §9.1 (only accept offered extensions), §4.2.2 /subprotocol/ (only echo an offered one).
 */
import { checkUpgradeResponse, encodeFrame, newKey, upgradeRequest, type ResponseHead } from "@wspipe/test-frames"
import { sleep, type RawClient } from "../raw-client.js"
import { failed, ok, worst, type Case, type Ctx, type Verdict } from "../scenario.js"
import { checkDefaultAnswer } from "./compression-offers.js"

type Headers = Record<string, string | null>
interface Req {
  readonly method?: string
  readonly httpVersion?: string
  readonly headers?: Headers
  readonly key?: string
}

const send = async (ctx: Ctx, req: Req | ((ctx: Ctx, key: string) => Buffer), write?: (c: RawClient, b: Buffer) => Promise<void>) => {
  const c = await ctx.open()
  const key = req instanceof Function ? newKey() : (req.key ?? newKey())
  const bytes =
    req instanceof Function
      ? req(ctx, key)
      : Buffer.from(upgradeRequest({ host: `${ctx.addr.host}:${ctx.addr.port}`, path: ctx.addr.path, ...req, key }), "latin1")
  if (write) await write(c, bytes)
  else c.write(bytes)
  const head = await c.waitResponse(ctx.timeoutMs)
  return { c, head, key }
}

/** Echo check on an upgraded connection: §5 data framing works after this handshake. */
const echoWorks = async (c: RawClient, ctx: Ctx): Promise<Verdict> => {
  c.write(encodeFrame({ opcode: 1, payload: "handshake echo" }))
  const got = await c.waitUntil(() => c.events.some((e) => e.type === "message"), ctx.timeoutMs)
  const m = c.events.find((e) => e.type === "message")
  return got && m?.type === "message" && m.data.toString() === "handshake echo" ? ok() : failed("no echo after the handshake")
}

const expectUpgrade =
  (
    req: Req,
    extra?: (head: ResponseHead, c: RawClient, ctx: Ctx) => Verdict | Promise<Verdict>,
    write?: (c: RawClient, b: Buffer) => Promise<void>
  ) =>
  async (ctx: Ctx): Promise<Verdict> => {
    const { c, head, key } = await send(ctx, req, write)
    try {
      if (!head) return failed(`no response within ${ctx.timeoutMs} ms`)
      const problems = checkUpgradeResponse(head, key)
      if (problems.length > 0) return failed(problems.join("; "))
      return worst([await echoWorks(c, ctx), (await extra?.(head, c, ctx)) ?? ok()])
    } finally {
      c.destroy()
    }
  }

const expectStatus =
  (statuses: readonly number[], req: Req | ((ctx: Ctx, key: string) => Buffer), extra?: (head: ResponseHead) => Verdict) =>
  async (ctx: Ctx): Promise<Verdict> => {
    const { c, head } = await send(ctx, req)
    try {
      if (!head) return failed(c.closed ? "connection closed without a response" : `no response within ${ctx.timeoutMs} ms`)
      if (!statuses.includes(head.status)) return failed(`got "${head.statusLine}", expected ${statuses.join(" or ")}`)
      return extra?.(head) ?? ok()
    } finally {
      c.destroy()
    }
  }

const noHeader = (name: string) => (head: ResponseHead) =>
  head.headers.has(name) ? failed(`unexpected ${name}: ${head.headers.get(name)}`) : ok()

const mk = (id: string, description: string, expectation: string, run: (ctx: Ctx) => Promise<Verdict>, timeoutMs?: number): Case => ({
  id,
  description,
  expectation,
  run,
  ...(timeoutMs ? { timeoutMs } : {})
})

const b64 = (n: number) => Buffer.alloc(n, 7).toString("base64")

export const handshakeCases: Case[] = [
  mk(
    "H.1",
    "Valid opening handshake.",
    "101 with Upgrade, Connection and the correct Sec-WebSocket-Accept (§4.2.2); echo works.",
    expectUpgrade({})
  ),
  mk("H.2", "POST instead of GET.", "405 Method Not Allowed (§4.1: the method MUST be GET).", expectStatus([405], { method: "POST" })),
  mk("H.3", "HTTP/1.0 request.", "400 (§4.1: HTTP version MUST be at least 1.1).", expectStatus([400], { httpVersion: "HTTP/1.0" })),
  mk("H.4", "Request without Host header.", "400 (§4.1 item 4, §4.2.1 item 2).", expectStatus([400], { headers: { Host: null } })),
  mk(
    "H.5",
    "Sec-WebSocket-Key that is not base64.",
    "400 (§4.1 item 7: base64-encoded 16-byte value).",
    expectStatus([400], { key: "!!not-base64-at-all!!===" })
  ),
  mk("H.6", "Sec-WebSocket-Key decoding to 15 bytes.", "400 (§4.2.1 item 5: decodes to 16 bytes).", expectStatus([400], { key: b64(15) })),
  mk("H.7", "Sec-WebSocket-Key decoding to 17 bytes.", "400 (§4.2.1 item 5).", expectStatus([400], { key: b64(17) })),
  mk("H.8", "No Sec-WebSocket-Key.", "400 (§4.2.1 item 5).", expectStatus([400], { headers: { "Sec-WebSocket-Key": null } })),
  ...(
    [
      ["H.9", "Sec-WebSocket-Version: 8.", "8"],
      ["H.10", "No Sec-WebSocket-Version.", null]
    ] as const
  ).map(([id, d, v]) =>
    mk(
      id,
      d,
      "426 Upgrade Required with Sec-WebSocket-Version: 13 (§4.2.2, §4.4).",
      expectStatus([426], { headers: { "Sec-WebSocket-Version": v } }, (head) =>
        (head.headers.get("sec-websocket-version") ?? "")
          .split(",")
          .map((s) => s.trim())
          .includes("13")
          ? ok()
          : failed(`Sec-WebSocket-Version header is "${head.headers.get("sec-websocket-version") ?? "(missing)"}"`)
      )
    )
  ),
  mk(
    "H.11",
    "Upgrade: h2c (not websocket).",
    "400 or 426, not 101 (§4.2.1 item 3).",
    expectStatus([400, 426], { headers: { Upgrade: "h2c" } })
  ),
  mk(
    "H.12",
    "Connection: keep-alive, Upgrade (token list).",
    "101 (§4.2.1 item 4: Connection includes the token Upgrade).",
    expectUpgrade({ headers: { Connection: "keep-alive, Upgrade" } })
  ),
  mk(
    "H.13",
    "Connection: 'keep-alive ,\\tUPGRADE' and Upgrade: WebSocket (tabs, spaces, mixed case).",
    "101: tokens are case-insensitive, OWS around commas is allowed.",
    expectUpgrade({ headers: { Connection: "keep-alive ,\tUPGRADE", Upgrade: "WebSocket" } })
  ),
  mk(
    "H.14",
    "Upgrade: 'foo/2, websocket' (token list).",
    "101 (§4.2.1 item 3: Upgrade contains websocket).",
    expectUpgrade({ headers: { Upgrade: "foo/2, websocket" } })
  ),
  mk(
    "H.15",
    "Header names in lower and upper case.",
    "101 (header names are case-insensitive).",
    expectUpgrade({
      headers: { Host: null, HOST: "127.0.0.1", upgrade: "websocket", Upgrade: null, CONNECTION: "Upgrade", Connection: null }
    })
  ),
  mk(
    "H.16",
    "The handshake arrives one byte at a time.",
    "101; the server buffers partial heads.",
    expectUpgrade({}, undefined, (c, b) => c.writeChopped(b, 1, 1)),
    15_000
  ),
  mk(
    "H.17",
    "Oversized request head (1 MiB of header, never terminated), sent in 4 KiB pieces.",
    "431 Request Header Fields Too Large, then the server closes the socket, long before 1 MiB.",
    async (ctx) => {
      const c = await ctx.open()
      try {
        const start = Buffer.from(`GET ${ctx.addr.path} HTTP/1.1\r\nHost: ${ctx.addr.host}\r\nX-Big: `, "latin1")
        c.write(start)
        let sent = start.length
        const piece = Buffer.alloc(4096, "a")
        while (sent < 1024 * 1024 && c.httpBytes.length === 0 && !c.closed) {
          c.write(piece)
          sent += piece.length
          await sleep(0)
        }
        const head = await c.waitResponse(ctx.timeoutMs)
        if (!head) return failed(c.closed ? `connection closed without a 431 after ${sent} bytes` : `no response after ${sent} bytes`)
        if (head.status !== 431) return failed(`got "${head.statusLine}", expected 431`)
        return (await c.waitTcpClose(ctx.timeoutMs)) ? ok() : failed("431 sent but the socket was not closed")
      } finally {
        c.destroy()
      }
    }
  ),
  mk(
    "H.18",
    "A first frame pipelined in the same TCP write as the handshake.",
    "101, then the frame is echoed (§4.2.2: data after the handshake is WebSocket data).",
    async (ctx) => {
      const frame = encodeFrame({ opcode: 1, payload: "pipelined" })
      const { c, head, key } = await send(ctx, (cx, k) =>
        Buffer.concat([
          Buffer.from(upgradeRequest({ host: `${cx.addr.host}:${cx.addr.port}`, path: cx.addr.path, key: k }), "latin1"),
          frame
        ])
      )
      try {
        if (!head) return failed("no response")
        const p = checkUpgradeResponse(head, key)
        if (p.length) return failed(p.join("; "))
        await c.waitUntil(() => c.events.length > 0, ctx.timeoutMs)
        const m = c.events[0]
        return m?.type === "message" && m.data.toString() === "pipelined" ? ok() : failed("pipelined frame was not echoed")
      } finally {
        c.destroy()
      }
    }
  ),
  mk(
    "H.19",
    "No subprotocol offered.",
    "101 without Sec-WebSocket-Protocol (§4.2.2: /subprotocol/ null).",
    expectUpgrade({}, noHeader("sec-websocket-protocol"))
  ),
  mk(
    "H.20",
    "Subprotocols 'x-unknown-a, x-unknown-b' offered to a server that supports none.",
    "101 without Sec-WebSocket-Protocol, or with one of the offered values only.",
    expectUpgrade({ headers: { "Sec-WebSocket-Protocol": "x-unknown-a, x-unknown-b" } }, (head) => {
      const v = head.headers.get("sec-websocket-protocol")
      return v === undefined || v === "x-unknown-a" || v === "x-unknown-b"
        ? ok()
        : failed(`server selected a subprotocol that was not offered: ${v}`)
    })
  ),
  mk(
    "H.21",
    "Unknown extension x-wspipe-unknown offered.",
    "101 without accepting it (§9.1: only extensions the server supports).",
    expectUpgrade({ headers: { "Sec-WebSocket-Extensions": "x-wspipe-unknown; foo=1" } }, noHeader("sec-websocket-extensions"))
  ),
  mk(
    "H.22",
    "permessage-deflate offered.",
    "101, and when Sec-WebSocket-Extensions answers it, a valid answer to this offer (RFC 7692 §5, §7.1): only its parameters, window bits 8–15, client_max_window_bits only because it was offered.",
    expectUpgrade({ headers: { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" } }, (head) =>
      checkDefaultAnswer(head.headers.get("sec-websocket-extensions"))
    )
  ),
  mk(
    "H.23",
    "Non-HTTP bytes (a TLS ClientHello prefix).",
    "4xx response or closed connection, never 101; the server stays up.",
    async (ctx) => {
      const c = await ctx.open()
      try {
        c.write(Buffer.concat([Buffer.from("160301020001000100fc0303" + "00".repeat(32), "hex"), Buffer.from("\r\n\r\n")]))
        await c.waitUntil(() => c.response !== undefined || c.closed, ctx.timeoutMs)
        if (c.response?.status === 101) return failed("server upgraded garbage")
        if (c.response && (c.response.status < 400 || c.response.status > 499)) return failed(`got ${c.response.statusLine}`)
        return c.response || c.closed ? ok() : failed(`neither response nor close within ${ctx.timeoutMs} ms`)
      } finally {
        c.destroy()
      }
    }
  )
]
