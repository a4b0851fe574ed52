import { ZlibHandle } from "./src/deflate/zlib-handle.js"
import { readFileSync } from "node:fs"
const msgs: Uint8Array[] = JSON.parse(readFileSync("/tmp/msgs.json", "utf8")).map((s: string) => Buffer.from(s))
const out = new Uint8Array(64 * 1024)
const configs = [[3, 8, 15], [1, 8, 15], [2, 8, 15], [1, 8, 12], [1, 8, 15]] as const
const res = new Map<string, number[]>()
for (let round = 0; round < 5; round++) for (const [level, mem, bits] of configs) {
  const d = new ZlibHandle("deflate", { windowBits: bits, level, memLevel: mem })
  const N = 20000
  for (let i = 0; i < 2000; i++) { const m = msgs[i % msgs.length]!; d.write(m, 0, m.length, out, 0, out.length); d.reset() }
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) { const m = msgs[i % msgs.length]!; d.write(m, 0, m.length, out, 0, out.length); d.reset() }
  const k = `L${level} m${mem} w${bits}`
  res.set(k, [...(res.get(k) ?? []), Number(process.hrtime.bigint() - t) / N / 1000])
  d.close()
}
for (const [k, v] of res) console.log(k, v.map((x) => x.toFixed(1)).join(" "), "median", [...v].sort((a, b) => a - b)[v.length >> 1]!.toFixed(1))
