// The ws echo server, written the way the ws README shows it.
import { WebSocketServer } from "ws"
import { options, ready } from "./ws-common.mjs"

const { port, host } = options()
const wss = new WebSocketServer({ port, host, perMessageDeflate: false })
ready(wss, host)
wss.on("connection", (ws) => {
  ws.on("error", () => {})
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }))
})
