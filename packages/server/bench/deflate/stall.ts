// Does a 16 MiB compressed message stall the other connections? The tiny echo server of the
// tests (codec + deflate engine over node:net) runs here; a worker thread's `ws` client sends
// 16 MiB compressed binary messages while this thread's `ws` client echoes 1 KiB JSON one at a
// time and records the round trips. Run from packages/server:
//   npx tsx bench/deflate/stall.ts
import { Worker } from "node:worker_threads"
import WebSocket from "ws"
// @ts-expect-error: a plain .mjs helper
import { message } from "./corpus.mjs"
import { echoServer } from "../../test/deflate/echo-server.js"

import { monitorEventLoopDelay } from "node:perf_hooks"
let maxSlice = 0
const echo = await echoServer({ threshold: 0 }, 128 << 20, {
  schedule: (turn) =>
    setImmediate(() => {
      const t = performance.now()
      turn()
      maxSlice = Math.max(maxSlice, performance.now() - t)
    })
})
const loop = monitorEventLoopDelay({ resolution: 1 })
const url = `ws://127.0.0.1:${echo.port}/`
const pct = (a: Array<number>, p: number) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))]!

const rtts = async (ms: number): Promise<Array<number>> => {
  const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } })
  await new Promise((r) => ws.once("open", r))
  const msg: Buffer = message(1024, "chat")
  const out: Array<number> = []
  const end = Date.now() + ms
  while (Date.now() < end) {
    const t = process.hrtime.bigint()
    await new Promise<void>((r) => {
      ws.once("message", () => r())
      ws.send(msg)
    })
    out.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  ws.close()
  return out
}

const quiet = await rtts(3000)
const worker = new Worker(
  `
  const { parentPort } = require("node:worker_threads")
  const WebSocket = require("ws")
  const ws = new WebSocket(${JSON.stringify(url)}, { perMessageDeflate: { threshold: 0 } })
  const big = Buffer.alloc(64 << 20)
  for (let i = 0; i < big.length; i += 4096) require("node:crypto").randomFillSync(big, i, 1024)
  let n = 0
  ws.on("open", () => ws.send(big, { binary: true }))
  ws.on("message", () => { if (++n < 4) ws.send(big, { binary: true }); else { parentPort.postMessage(n); ws.close() } })
`,
  { eval: true }
)
loop.enable()
const busy = await rtts(6000)
loop.disable()
const slices = echo.engine.slicer.stats.slices
console.log(
  `1 KiB echo RTT, ms: quiet p50 ${pct(quiet, 0.5).toFixed(2)} p99 ${pct(quiet, 0.99).toFixed(2)} (n=${quiet.length}); ` +
    `while another client sends 64 MiB messages compressed to ~16 MiB: p50 ${pct(busy, 0.5).toFixed(2)} p99 ${pct(busy, 0.99).toFixed(2)} max ${pct(busy, 1).toFixed(2)} (n=${busy.length}); ` +
    `longest engine slice ${maxSlice.toFixed(2)} ms, event-loop delay max ${(loop.max / 1e6).toFixed(1)} ms p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms; ` +
    `engine slices ${slices}, sliced inflates ${echo.engine.counters.inflatedSliced}, sliced deflates ${echo.engine.counters.deflatedSliced}`
)
await worker.terminate()
await echo.close()
process.exit(0)
