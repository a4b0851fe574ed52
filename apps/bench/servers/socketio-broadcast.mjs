// The socket.io broadcast-except-source server, written the way socket.io users do (its docs):
// every "m" event goes to every other client with `socket.broadcast.emit`. With `--redis URL` it
// joins the other processes through @socket.io/redis-adapter over two ioredis clients (publish,
// subscribe), so that several of these on several ports behave as one server.
//   node socketio-broadcast.mjs --port N [--host A] [--redis redis://…] [--ping-interval MS]
// WebSocket transport only (no long-polling: the load generator speaks engine.io over WebSocket).
import { createRequire } from "node:module"
import { createServer } from "node:http"
import { createAdapter } from "@socket.io/redis-adapter"
import { Redis } from "ioredis"
import { Server } from "socket.io"
import { options } from "./ws-common.mjs"

const { port, host } = options()
const args = process.argv.slice(2)
const flag = (name) => {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined
}
const redis = flag("--redis")
const pingInterval = Number(flag("--ping-interval") ?? 25000) // socket.io's default

const http = createServer()
const io = new Server(http, { transports: ["websocket"], serveClient: false, pingInterval, pingTimeout: 20000 })

if (redis !== undefined) {
  // RESP2, as wspipe's bus runs ioredis (ioredis 6 defaults to RESP3).
  const pub = new Redis(redis, { protocol: 2 })
  const sub = pub.duplicate()
  await Promise.all([pub, sub].map((c) => new Promise((resolve, reject) => {
    c.once("ready", resolve)
    c.once("error", reject)
  })))
  io.adapter(createAdapter(pub, sub))
}

io.on("connection", (socket) => {
  socket.on("m", (data) => socket.broadcast.emit("m", data))
})

http.listen(port, host, () => {
  // The harness waits for exactly this line: "listening on ws://HOST:PORT/".
  process.stdout.write(`listening on ws://${host}:${http.address().port}/\n`)
  const require = createRequire(import.meta.url)
  const addon = Object.keys(require.cache).some((k) => k.includes("bufferutil")) ? "yes" : "no"
  process.stderr.write(`socket.io ${redis === undefined ? "single node" : `redis adapter on ${redis}`}, bufferutil: ${addon}\n`)
})
