// The ws broadcast-except-source server, written the way ws users do (ws README).
import { WebSocket, WebSocketServer } from "ws"
import { options, ready } from "./ws-common.mjs"

const { port, host } = options()
const wss = new WebSocketServer({ port, host, perMessageDeflate: false })
ready(wss, host)
wss.on("connection", (ws) => {
  ws.on("error", () => {})
  ws.on("message", (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary })
    }
  })
})
