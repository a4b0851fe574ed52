// Per-message cost of the engine's echo path for 1 KiB JSON: inflate (client → server, as a
// browser compresses) + compress (server → client), for each mode. Run from packages/server:
//   taskset -c 1 npx tsx bench/deflate/engine.ts
import * as zlib from "node:zlib"
import { PermessageDeflate } from "@wspipe/codec"
// @ts-expect-error: a plain .mjs helper
import { corpus } from "./corpus.mjs"
import { DeflateEngine } from "../../src/deflate/index.js"

const msgs: Array<Buffer> = corpus(1024, 64)
const median = (a: Array<number>) => a.slice().sort((x, y) => x - y)[a.length >> 1]!
const offer = [{ name: "permessage-deflate", params: [["client_max_window_bits", true] as const] }]
const modes: Record<string, PermessageDeflate.Options> = {
  "default (no takeover, level 1)": { threshold: 0 },
  "no takeover, level 6": { threshold: 0, level: 6 },
  "takeover both ways, level 1": { threshold: 0, serverNoContextTakeover: false, clientNoContextTakeover: false }
}
for (const [name, options] of Object.entries(modes)) {
  const a = PermessageDeflate.negotiate(offer, options)!
  const engine = new DeflateEngine()
  const rx = engine.inflater(a.inflate, { maxMessageSize: 1 << 20 }, () => {})
  const tx = engine.deflater(a, () => {})
  // What the client sends: per message (no takeover) or one stream (takeover).
  const payloads = a.inflate.noContextTakeover
    ? msgs.map((m) => zlib.deflateRawSync(m, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4))
    : ([] as Array<Buffer>)
  if (!a.inflate.noContextTakeover) {
    const t = engine.deflater({ ...a, deflate: { windowBits: 15, noContextTakeover: false } }, () => {})
    for (let i = 0; i < 20000; i++) payloads.push(Buffer.from(t.compress(msgs[i % 64]!, 0) as Uint8Array))
  }
  let j = 0
  const one = () => {
    const r = rx.message("text", payloads[j % payloads.length]!) as Uint8Array
    tx.compress(r, 0)
    j++
  }
  for (let i = 0; i < 2000; i++) one()
  const rounds: Array<number> = []
  for (let k = 0; k < 7; k++) {
    const n = 2000
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) one()
    rounds.push(Number(process.hrtime.bigint() - t) / 1e3 / n)
  }
  console.log(`| ${name} | ${median(rounds).toFixed(1)} µs | ${Math.round(1e6 / median(rounds))} msgs/s of one core |`)
}
