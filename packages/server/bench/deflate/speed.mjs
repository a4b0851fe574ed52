// µs per message and compression ratio of each candidate (docs/deflate-engine.md).
// Run: taskset -c 1 node speed.mjs [level]   (medians of 7 rounds; ratios compare within one run)
import zlib from "node:zlib"
import { corpus } from "./corpus.mjs"
import { deflaters, inflaters, takeoverInflaters, TRAILER } from "./candidates.mjs"

const level = Number(process.argv[2] ?? 6)
const opts = { level, windowBits: 15, memLevel: 8 }
const sizes = [[1024, 64, 4000], [16384, 16, 400], [1 << 20, 2, 6]]
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1]
const time = (n, f) => { const t = process.hrtime.bigint(); for (let i = 0; i < n; i++) f(i); return Number(process.hrtime.bigint() - t) / 1e3 / n }
const rounds = (n, f) => { time(Math.max(1, n >> 2), f); const r = []; for (let k = 0; k < 7; k++) r.push(time(n, f)); return median(r) }
const fmt = (x) => (x < 100 ? x.toFixed(1) : x.toFixed(0))

// Takeover through a JS copy of the window: a fresh context per message, primed with it (public API only).
const windowDeflater = () => {
  let win = Buffer.alloc(0)
  return (m) => {
    const out = zlib.deflateRawSync(m, { ...opts, dictionary: win, finishFlush: zlib.constants.Z_SYNC_FLUSH })
    win = Buffer.concat([win, m]).subarray(-32768)
    return out.subarray(0, out.length - 4)
  }
}
const windowInflater = () => {
  let win = Buffer.alloc(0)
  return (p) => {
    const out = zlib.inflateRawSync(Buffer.concat([p, TRAILER]), { dictionary: win, finishFlush: zlib.constants.Z_SYNC_FLUSH })
    win = Buffer.concat([win, out]).subarray(-32768)
    return out
  }
}

console.log(`node ${process.version}, level ${level}, windowBits 15, memLevel 8, ${new Date().toISOString()}`)
for (const [size, count, n] of sizes) {
  const msgs = corpus(size, count)
  const total = msgs.reduce((a, b) => a + b.length, 0)
  console.log(`\n### ${size} B messages (${count} different, mean ${Math.round(total / count)} B)`)
  console.log("| deflate | µs/msg | MB/s | ratio (orig/compressed) |\n|---|---|---|---|")
  const all = { ...deflaters, "JS window + deflateRawSync({dictionary}), takeover": () => windowDeflater() }
  for (const [name, make] of Object.entries(all)) {
    const d = make(opts)
    let bytes = 0
    for (const m of msgs) bytes += d(m).length
    const us = rounds(n, (i) => d(msgs[i % count]))
    console.log(`| ${name} | ${fmt(us)} | ${fmt(total / count / us)} | ${(total / bytes).toFixed(2)} |`)
  }
  const fresh = deflaters["zlib deflateRawSync, fresh context"](opts)
  const payloads = msgs.map((m) => fresh(m))
  console.log("| inflate | µs/msg | MB/s (output) | |\n|---|---|---|---|")
  for (const [name, make] of Object.entries(inflaters)) {
    const f = make()
    const us = rounds(n, (i) => f(payloads[i % count]))
    console.log(`| ${name} | ${fmt(us)} | ${fmt(total / count / us)} | |`)
  }
  // Takeover inflate: a stream of messages compressed with takeover, inflated in order.
  const tk = deflaters["zlib handle, takeover"](opts)
  const stream = Array.from({ length: n * 8 + n }, (_, i) => tk(msgs[i % count]))
  const all2 = { ...takeoverInflaters, "JS window + inflateRawSync({dictionary}), takeover": () => windowInflater() }
  for (const [name, make] of Object.entries(all2)) {
    const f = make()
    let j = 0
    const us = rounds(n, () => f(stream[j++]))
    console.log(`| ${name} | ${fmt(us)} | ${fmt(total / count / us)} | |`)
  }
}

// Persistent async stream (thread pool), one message at a time: latency per message.
const asyncLatency = async (size, n) => {
  const msgs = corpus(size, 16)
  const d = zlib.createDeflateRaw(opts)
  d.on("data", () => {})
  const one = (m) => new Promise((resolve) => { d.write(m); d.flush(zlib.constants.Z_SYNC_FLUSH, resolve) })
  for (let i = 0; i < 50; i++) await one(msgs[i % 16])
  const r = []
  for (let k = 0; k < 7; k++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await one(msgs[i % 16])
    r.push(Number(process.hrtime.bigint() - t) / 1e3 / n)
  }
  d.close()
  return median(r)
}
console.log(`\nasync createDeflateRaw + flush(Z_SYNC_FLUSH), takeover, one at a time: 1 KiB ${fmt(await asyncLatency(1024, 2000))} µs/msg, 16 KiB ${fmt(await asyncLatency(16384, 300))} µs/msg`)
