// The least a Node server can do per WebSocket handshake, to see how far Node's own sockets
// allow a server to beat ws at handshakes/s (docs/benchmarks.md, "What limits the targets we
// miss"). Not a WebSocket server: no validation, no limits, no messages — it finds the key with a
// regular expression, answers 101, and answers a Close with a Close and FIN (what the load
// generator's connect mode needs). Run: node node-handshake-floor.mjs --port N
import { createHash } from "node:crypto"
import { createServer } from "node:net"
import { options } from "./ws-common.mjs"

const { port, host } = options()
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" // RFC 6455 §1.3
const CLOSE_1000 = Buffer.from([0x88, 0x02, 0x03, 0xe8])

const server = createServer({ noDelay: true }, (socket) => {
  let upgraded = false
  socket.on("error", () => {})
  socket.on("data", (bytes) => {
    if (upgraded) {
      if ((bytes[0] & 0x0f) === 0x8) socket.end(CLOSE_1000)
      return
    }
    const key = /sec-websocket-key:\s*(\S+)/i.exec(bytes.latin1Slice(0, bytes.length))?.[1]
    if (key === undefined) return void socket.destroy()
    const accept = createHash("sha1").update(key + GUID).digest("base64")
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    upgraded = true
  })
})
server.listen(port, host, () => process.stdout.write(`listening on ws://${host}:${server.address().port}/\n`))
