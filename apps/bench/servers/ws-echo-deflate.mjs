// The ws echo server with permessage-deflate, as the ws README turns it on (`perMessageDeflate:
// true`: its defaults — context takeover both ways, level Z_DEFAULT_COMPRESSION, 1 KiB threshold,
// 10 concurrent zlib jobs).
import { WebSocketServer } from "ws"
import { options, ready } from "./ws-common.mjs"

const { port, host } = options()
const wss = new WebSocketServer({ port, host, perMessageDeflate: true })
ready(wss, host)
wss.on("connection", (ws) => {
  ws.on("error", () => {})
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }))
})
