// Memory per connection of the engine's per-connection objects, 1,000 connections that each
// received and sent one 1 KiB compressed message, after GC. Run from packages/server:
//   node --expose-gc --import tsx bench/deflate/connections.ts <mode>
import * as zlib from "node:zlib"
import { PermessageDeflate } from "@wspipe/codec"
// @ts-expect-error: a plain .mjs helper
import { corpus } from "./corpus.mjs"
import { DeflateEngine } from "../../src/deflate/index.js"

const N = Number(process.env.N ?? 1000)
const mode = process.argv[2] ?? "default"
const options: Record<string, PermessageDeflate.Options> = {
  none: {},
  default: { threshold: 0 },
  "takeover 15/8": { threshold: 0, serverNoContextTakeover: false, clientNoContextTakeover: false },
  "takeover 10/3": {
    threshold: 0,
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 10,
    memLevel: 3
  }
}
const offer = [{ name: "permessage-deflate", params: [["client_max_window_bits", true] as const] }]
const a = PermessageDeflate.negotiate(offer, options[mode])!
const msg: Buffer = corpus(1024, 1)[0]
const payload = zlib.deflateRawSync(msg, { finishFlush: zlib.constants.Z_SYNC_FLUSH, windowBits: a.inflate.windowBits }).subarray(0, -4)
const engine = new DeflateEngine()
const gc = () => {
  for (let i = 0; i < 4; i++) (globalThis as any).gc()
}
const open = () => {
  // Baseline: the same garbage per connection (a received and a sent message), nothing kept.
  if (mode === "none") return { garbage: [Uint8Array.from(msg), Uint8Array.from(payload)].length }
  const rx = engine.inflater(a.inflate, { maxMessageSize: 1 << 20 }, () => {})
  const tx = engine.deflater(a, () => {})
  rx.message("text", payload)
  tx.compress(msg, 0)
  return { rx, tx }
}
open()
gc()
const before = process.memoryUsage()
const live = Array.from({ length: N }, open)
await new Promise((r) => setTimeout(r, 100))
gc()
const after = process.memoryUsage()
const kib = (k: keyof NodeJS.MemoryUsage) => ((after[k] - before[k]) / N / 1024).toFixed(2)
console.log(`| ${mode} | ${kib("rss")} | ${kib("heapUsed")} | ${kib("external")} |`)
;(globalThis as any).keep = live
