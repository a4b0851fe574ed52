// KiB retained per live context: 1,000 contexts, each used for one 1 KiB message, after GC.
// Run: node --expose-gc memory.mjs <kind>   (one kind per process; see docs/deflate-engine.md)
import zlib from "node:zlib"
import { corpus } from "./corpus.mjs"
import { handle, fflate, pako, TRAILER } from "./candidates.mjs"

const kind = process.argv[2]
const N = 1000
const msgs = corpus(1024, 16)
const payload = zlib.deflateRawSync(msgs[0], { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4)
const gc = () => { for (let i = 0; i < 4; i++) globalThis.gc() }
const kinds = {
  "none": () => ({}),
  "DeflateRaw stream w15 m8": () => { const d = zlib.createDeflateRaw({ windowBits: 15, memLevel: 8 }); d.on("data", () => {}); d.write(msgs[0]); d.flush(); return d },
  "DeflateRaw stream w10 m3": () => { const d = zlib.createDeflateRaw({ windowBits: 10, memLevel: 3 }); d.on("data", () => {}); d.write(msgs[0]); d.flush(); return d },
  "InflateRaw stream w15": () => { const d = zlib.createInflateRaw({ windowBits: 15 }); d.on("data", () => {}); d.write(payload); d.write(TRAILER); return d },
  "handle deflate w15 m8": () => { const h = handle("deflate", { windowBits: 15, memLevel: 8 }); h.run(msgs[0]); return h },
  "handle deflate w10 m3": () => { const h = handle("deflate", { windowBits: 10, memLevel: 3 }); h.run(msgs[0]); return h },
  "handle deflate w9 m1": () => { const h = handle("deflate", { windowBits: 9, memLevel: 1 }); h.run(msgs[0]); return h },
  "handle inflate w15": () => { const h = handle("inflate", { windowBits: 15 }); h.run(payload, true); return h },
  "handle inflate w10": () => { const h = handle("inflate", { windowBits: 10 }); h.run(zlib.deflateRawSync(msgs[0], { windowBits: 10, finishFlush: 2 }).subarray(0, -4), true); return h },
  "JS window copy 32 KiB": () => new Uint8Array(32768),
  ...(pako && { "pako Deflate w15 m8": () => { const d = new pako.Deflate({ raw: true }); d.push(msgs[0], 2); return d } }),
  ...(pako && { "pako Inflate w15": () => { const d = new pako.Inflate({ raw: true }); d.push(payload, false); d.push(TRAILER, 2); return d } }),
  ...(fflate && { "fflate Inflate": () => { const d = new fflate.Inflate(() => {}); d.push(payload); d.push(TRAILER); return d } })
}
if (!kinds[kind]) { console.log(Object.keys(kinds).join("\n")); process.exit(0) }
const make = kinds[kind]
make() // load code paths before the baseline
gc()
const before = process.memoryUsage()
const live = []
for (let i = 0; i < N; i++) live.push(make())
await new Promise((r) => setTimeout(r, 100))
gc()
const after = process.memoryUsage()
const kib = (k) => ((after[k] - before[k]) / N / 1024).toFixed(1)
console.log(`| ${kind} | ${kib("rss")} | ${kib("heapUsed")} | ${kib("external")} |`)
globalThis.keep = live
