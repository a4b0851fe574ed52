// The ws echo server behind TLS, the way the ws README shows it: an https.createServer with the
// certificate, and a WebSocketServer on it (`--tls-cert FILE --tls-key FILE`).
import { readFileSync } from "node:fs"
import { createServer } from "node:https"
import { WebSocketServer } from "ws"
import { options } from "./ws-common.mjs"

const { port, host } = options()
const arg = (name) => process.argv[process.argv.indexOf(name) + 1]
const server = createServer({ cert: readFileSync(arg("--tls-cert")), key: readFileSync(arg("--tls-key")) })
const wss = new WebSocketServer({ server, perMessageDeflate: false })
wss.on("connection", (ws) => {
  ws.on("error", () => {})
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }))
})
server.listen(port, host, () => {
  // The harness waits for exactly this line: "listening on wss://HOST:PORT/".
  process.stdout.write(`listening on wss://${host}:${server.address().port}/\n`)
})
