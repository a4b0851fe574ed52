import { FrameParser } from "./src/frame-parser.js"
const MASK = [0x37, 0xfa, 0x21, 0x3d]
const n = 65536
const op = Number(process.argv[2])
const f = new Uint8Array(14 + n); f[0] = 0x80 | op; f[1] = 0xff; new DataView(f.buffer).setUint32(6, n); f.set(MASK, 10)
for (let i = 0; i < n; i++) f[14 + i] = (0x20 + (i % 90)) ^ MASK[i & 3]!
const count = 512
const all = Buffer.alloc(count * f.length); for (let i = 0; i < count; i++) all.set(f, i * f.length)
const chunks: Buffer[] = []; for (let at = 0; at < all.length; at += 65536) chunks.push(all.subarray(at, at + 65536))
for (let r = 0; r < 40; r++) {
  const cs = chunks.map((c) => Buffer.from(c))
  let m = 0
  const p = new FrameParser({ onMessage: () => void m++, onPing() {}, onPong() {}, onClose() {} })
  const t = process.hrtime.bigint()
  for (const c of cs) p.push(c)
  if (r % 10 === 9) console.log(op, m, Number(process.hrtime.bigint() - t) / m / 1000, "us/frame")
}
