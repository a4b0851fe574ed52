// The least a Node server can do per WebSocket handshake, to see how far Node's own sockets
// allow a server to beat ws at handshakes/s (docs/benchmarks.md, "What limits the targets we
// miss"). Not a WebSocket server: no validation, no limits, no messages — it finds the key with a
// regular expression, answers 101, and answers a Close with a Close and FIN (what the load
// generator's connect mode needs). It also echoes small messages the least way (one whole masked
// frame of < 126 bytes per chunk, unmasked in place and written back with its header: no
// fragments, no validation), the floor of the 32 B latency and storm scenarios.
// Run: node node-handshake-floor.mjs --port N
import { createHash } from "node:crypto"
import { createServer } from "node:net"
import { options } from "./ws-common.mjs"

const { port, host } = options()
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" // RFC 6455 §1.3
const CLOSE_1000 = Buffer.from([0x88, 0x02, 0x03, 0xe8])

/** Echoes each complete small frame of `bytes`; a Close is answered with Close and FIN. */
const echoFrames = (socket, bytes) => {
  let at = 0
  while (at + 6 <= bytes.length) {
    const opcode = bytes[at] & 0x0f
    const len = bytes[at + 1] & 0x7f
    if (opcode === 0x8) return void socket.end(CLOSE_1000)
    if (len >= 126 || at + 6 + len > bytes.length) return void socket.destroy()
    const out = Buffer.allocUnsafe(2 + len)
    out[0] = bytes[at]
    out[1] = len
    for (let i = 0; i < len; i++) out[2 + i] = bytes[at + 6 + i] ^ bytes[at + 2 + (i & 3)]
    socket.write(out)
    at += 6 + len
  }
}

const server = createServer({ noDelay: true }, (socket) => {
  let upgraded = false
  socket.on("error", () => {})
  socket.on("data", (bytes) => {
    if (upgraded) return void echoFrames(socket, bytes)
    const key = /sec-websocket-key:\s*(\S+)/i.exec(bytes.latin1Slice(0, bytes.length))?.[1]
    if (key === undefined) return void socket.destroy()
    const accept = createHash("sha1").update(key + GUID).digest("base64")
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    upgraded = true
  })
})
server.listen(port, host, () => process.stdout.write(`listening on ws://${host}:${server.address().port}/\n`))
