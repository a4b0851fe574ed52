/**
 * Quick local timing: Parser.FrameParser vs ws's Receiver on masked client frames fed in 64 KiB chunks.
 * Not a test and not the project benchmark (bench/codec.bench.ts); run with
 *   npx tsx bench/parser-quick.ts [repetitions]
 * Both sides get fresh copies of the same chunks each round (the parser unmasks in place).
 */
import { frame, MASK } from "@wspipe/test-frames"
import { Receiver } from "../test/ws-oracle.js"
import { Parser } from "../src/index.js"

const CHUNK = 64 * 1024

/** A client frame masked with the RFC 6455 §5.7 example key. */
const maskedFrame = (opcode: number, payload: Uint8Array): Uint8Array => frame(opcode, payload, { mask: MASK })

/** A stream of `count` frames cut into 64 KiB chunks. */
const stream = (opcode: number, size: number, totalBytes: number) => {
  const payload = new Uint8Array(size)
  for (let i = 0; i < size; i++) payload[i] = 0x20 + (i % 90) // printable ASCII: valid text too
  const f = maskedFrame(opcode, payload)
  const count = Math.max(1, Math.floor(totalBytes / f.length))
  const all = Buffer.alloc(count * f.length)
  for (let i = 0; i < count; i++) all.set(f, i * f.length)
  const chunks: Buffer[] = []
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, at + CHUNK))
  return { chunks, count }
}

const copies = (chunks: Buffer[]) => chunks.map((c) => Buffer.from(c))

const runParser = (chunks: Buffer[]) => {
  let n = 0
  const p = new Parser.FrameParser({ onMessage: () => void n++, onPing: () => {}, onPong: () => {}, onClose: () => {} }, { role: "server" })
  const t = process.hrtime.bigint()
  for (const c of chunks) if (p.push(c)) throw new Error("parser error")
  return { n, ns: Number(process.hrtime.bigint() - t) }
}

const runWs = (chunks: Buffer[]) => {
  let n = 0
  const r = new Receiver({ isServer: true, maxPayload: 0 })
  r.on("message", () => void n++)
  r.on("error", (e: Error) => {
    throw e
  })
  const t = process.hrtime.bigint()
  for (const c of chunks) r.write(c)
  return { n, ns: Number(process.hrtime.bigint() - t) }
}

const CASES = {
  "32B-binary": [2, 32],
  "32B-text": [1, 32],
  "64KiB-binary": [2, 65536],
  "64KiB-text": [1, 65536]
} as const
type Case = keyof typeof CASES

/** Child mode: time one implementation on one case, print the best ns per frame. */
const child = (label: Case, impl: "parser" | "ws", rounds: number) => {
  const [opcode, size] = CASES[label]
  const { chunks, count } = stream(opcode, size, size < 1024 ? 4 * 1024 * 1024 : 32 * 1024 * 1024)
  let best = Infinity
  for (let r = 0; r < rounds; r++) {
    const run = impl === "parser" ? runParser(copies(chunks)) : runWs(copies(chunks))
    if (run.n !== count) throw new Error(`${impl} decoded ${run.n} of ${count}`)
    best = Math.min(best, run.ns / count)
  }
  console.log(best)
}

if (process.argv[2] === "--child") {
  child(process.argv[3] as Case, process.argv[4] as "parser" | "ws", Number(process.argv[5]))
} else {
  // Each (case, implementation) runs in a fresh process (no shared JIT/GC state), alternating
  // parser/ws several times; the best of everything is kept (the machine may be noisy).
  const { execFileSync } = await import("node:child_process")
  const reps = Number(process.argv[2] ?? 3)
  const self = new URL(import.meta.url).pathname
  for (const label of Object.keys(CASES) as Case[]) {
    const best = { parser: Infinity, ws: Infinity }
    for (let rep = 0; rep < reps; rep++) {
      for (const impl of rep % 2 === 0 ? (["parser", "ws"] as const) : (["ws", "parser"] as const)) {
        const out = execFileSync(process.execPath, [...process.execArgv, self, "--child", label, impl, "15"])
        best[impl] = Math.min(best[impl], Number(out.toString().trim()))
      }
    }
    const fps = (ns: number) =>
      Math.round(1e9 / ns)
        .toLocaleString()
        .padStart(12)
    console.log(
      `${label.padEnd(13)} parser ${fps(best.parser)} frames/s   ws ${fps(best.ws)} frames/s   ` +
        `parser/ws ${(best.ws / best.parser).toFixed(2)}x`
    )
  }
}
