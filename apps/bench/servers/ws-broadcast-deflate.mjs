// The ws broadcast-except-source server with permessage-deflate (`perMessageDeflate: true`, as in
// ws-echo-deflate.mjs): ws compresses the message once for every recipient, in its own context.
import { WebSocket, WebSocketServer } from "ws"
import { options, ready } from "./ws-common.mjs"

const { port, host } = options()
const wss = new WebSocketServer({ port, host, perMessageDeflate: true })
ready(wss, host)
wss.on("connection", (ws) => {
  ws.on("error", () => {})
  ws.on("message", (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary })
    }
  })
})
