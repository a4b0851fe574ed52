import { unmaskInto } from "./src/frame-unmask.js"
const mask = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d)
const N = 20000; const buf = new Uint8Array(65536); const other = new Uint8Array(65536)
for (let r = 0; r < 4; r++) {
 let t = process.hrtime.bigint(); for (let i = 0; i < N; i++) unmaskInto(buf, 0, buf, 0, 65536, mask, 0); console.log("simd us", Number(process.hrtime.bigint() - t) / N / 1000)
 t = process.hrtime.bigint(); for (let i = 0; i < N; i++) other.set(buf); console.log("memcpy us", Number(process.hrtime.bigint() - t) / N / 1000)
}
