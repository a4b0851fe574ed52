/**
 * Codec micro-benchmark: decoding (Parser.FrameParser vs ws's Receiver) and encoding (Encoder.frame /
 * Encoder.message vs ws's Sender.frame) of 32 B, 1 KiB and 64 KiB frames, on the same bytes, in the
 * same process. Run with `pnpm --filter @wspipe/codec bench` (or `pnpm bench` at the root).
 *
 * The parent process runs this file twice as a child: once with ws's native addons (bufferutil,
 * utf-8-validate) and once without (WS_NO_BUFFER_UTIL=1, WS_NO_UTF_8_VALIDATE=1). Each child
 * measures ours AND ws, so every ratio compares numbers taken in one process run. The parent
 * prints a table and rewrites the codec section of docs/benchmarks.md.
 *
 * Decode input: many masked client frames (random key per frame, RFC 6455 §5.3) concatenated and
 * fed in 64 KiB chunks, like socket reads. Both parsers unmask in place, so every run gets a fresh
 * copy (made outside the timed region). Each case: warm-up runs, then BENCH_RUNS (default 7) timed
 * runs alternating which implementation goes first; the median is reported.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import os from "node:os"
import { fileURLToPath } from "node:url"
import { Encoder, Opcode, Parser } from "../src/index.js"
import { Receiver, Sender } from "../test/ws-oracle.js"

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7))
const WARMUP = 3
const CHUNK = 64 * 1024
const SIZES = [32, 1024, 64 * 1024] as const
/** Decoded stream length per run, and encoded frames per run, by frame size. */
const DECODE_BYTES: Record<number, number> = { 32: 8 << 20, 1024: 32 << 20, 65536: 64 << 20 }
const ENCODE_COUNT: Record<number, number> = { 32: 300_000, 1024: 100_000, 65536: 2_000 }

type Kind = "binary" | "text"
interface Result {
  readonly op: "decode" | "encode"
  readonly kind: Kind
  readonly size: number
  readonly frames: number
  readonly oursNs: number // median of RUNS
  readonly wsNs: number
  /** Median over runs of (ws time / our time) of the two measured back to back. */
  readonly ratio: number
}
interface ChildReport {
  readonly mode: "native" | "js"
  readonly addons: { bufferutil: boolean; utf8: string }
  readonly results: Array<Result>
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const median = (xs: Array<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const now = (): bigint => process.hrtime.bigint()

/** Deterministic payload: printable ASCII JSON-ish bytes (valid UTF-8, so usable as text too). */
const payloadOf = (size: number): Buffer => {
  const b = Buffer.allocUnsafe(size)
  const alphabet = '{"type":"chat","body":"hello world 0123456789"}, '
  for (let i = 0; i < size; i++) b[i] = alphabet.charCodeAt(i % alphabet.length)
  return b
}

/** A stream of masked client frames (what a server receives), about `bytes` long. */
const clientStream = (kind: Kind, size: number, bytes: number): { stream: Buffer; frames: number } => {
  const payload = payloadOf(size)
  const opcode = kind === "text" ? Opcode.Text : Opcode.Binary
  const frameLen = Encoder.frame(opcode, payload, { mask: new Uint8Array(4) }).length
  const frames = Math.max(16, Math.floor(bytes / frameLen))
  const stream = Buffer.allocUnsafe(frames * frameLen)
  let seed = 0x12345678
  const mask = new Uint8Array(4)
  for (let i = 0; i < frames; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0 // LCG: a different key per frame
    mask[0] = seed >>> 24
    mask[1] = seed >>> 16
    mask[2] = seed >>> 8
    mask[3] = seed | 1
    stream.set(Encoder.frame(opcode, payload, { mask }), i * frameLen)
  }
  return { stream, frames }
}

const chunksOf = (buf: Buffer): Array<Buffer> => {
  const out: Array<Buffer> = []
  for (let at = 0; at < buf.length; at += CHUNK) out.push(buf.subarray(at, Math.min(at + CHUNK, buf.length)))
  return out
}

const decodeOurs = (chunks: Array<Buffer>, expected: number): number => {
  let count = 0
  const parser = new Parser.FrameParser(
    { onMessage: () => void count++, onPing: () => {}, onPong: () => {}, onClose: () => {} },
    { role: "server", maxFrameSize: 0x7fffffff, maxMessageSize: 0x7fffffff }
  )
  const t = now()
  for (let i = 0; i < chunks.length; i++) {
    const err = parser.push(chunks[i]!)
    if (err !== undefined) throw err
  }
  const ns = Number(now() - t)
  if (count !== expected) throw new Error(`Parser.FrameParser delivered ${count} of ${expected} messages`)
  return ns
}

const decodeWs = (chunks: Array<Buffer>, expected: number): number => {
  let count = 0
  let failure: Error | undefined
  const receiver = new Receiver({ isServer: true, maxPayload: 0 })
  receiver.on("message", () => void count++)
  receiver.on("error", (e: Error) => (failure = e))
  const t = now()
  for (let i = 0; i < chunks.length; i++) receiver.write(chunks[i]!)
  const ns = Number(now() - t)
  if (failure !== undefined || count !== expected) throw new Error(`ws delivered ${count} of ${expected}`)
  return ns
}

/**
 * Run `ours` and `ws` RUNS times after a warm-up, back to back, alternating which goes first.
 * Returns the median times and the median of the per-run ratios (robust to load changing between
 * runs, since each pair is measured within a few milliseconds).
 */
const compare = (prepare: () => void, ours: () => number, ws: () => number) => {
  const a: Array<number> = [],
    b: Array<number> = [],
    ratios: Array<number> = []
  for (let r = 0; r < WARMUP + RUNS; r++) {
    let o = 0,
      w = 0
    for (const which of r % 2 === 0 ? [0, 1] : [1, 0]) {
      prepare()
      gc()
      if (which === 0) o = ours()
      else w = ws()
    }
    if (r >= WARMUP) {
      a.push(o)
      b.push(w)
      ratios.push(w / o)
    }
  }
  return { oursNs: median(a), wsNs: median(b), ratio: median(ratios) }
}

const benchDecode = (kind: Kind, size: number): Result => {
  const { stream, frames } = clientStream(kind, size, DECODE_BYTES[size]!)
  let chunks: Array<Buffer> = []
  // Fresh copy per run (both parsers unmask in place); copying is outside the timed region.
  const prepare = () => void (chunks = chunksOf(Buffer.from(stream)))
  const m = compare(
    prepare,
    () => decodeOurs(chunks, frames),
    () => decodeWs(chunks, frames)
  )
  return { op: "decode", kind, size, frames, ...m }
}

let sink = 0 // keeps encoder results observable
const benchEncode = (kind: Kind, size: number): Result => {
  const frames = ENCODE_COUNT[size]!
  const bytes = payloadOf(size)
  const text = bytes.toString("latin1")
  const wsOpts = { fin: true, rsv1: false, opcode: kind === "text" ? 1 : 2, mask: false, readOnly: false }
  const ours =
    kind === "binary"
      ? () => {
          const t = now()
          for (let i = 0; i < frames; i++) sink += Encoder.frame(Opcode.Binary, bytes).length
          return Number(now() - t)
        }
      : () => {
          const t = now()
          for (let i = 0; i < frames; i++) sink += Encoder.message("text", text).length
          return Number(now() - t)
        }
  // Same bytes on the wire: our one buffer equals ws's [header, payload] concatenated.
  const mine = kind === "binary" ? Encoder.frame(Opcode.Binary, bytes) : Encoder.message("text", text)
  if (!Buffer.concat(Sender.frame(kind === "text" ? text : bytes, wsOpts)).equals(mine)) {
    throw new Error(`encode ${kind} ${size}: our frame differs from ws's`)
  }
  const ws = () => {
    const data = kind === "text" ? text : bytes
    const t = now()
    for (let i = 0; i < frames; i++) sink += Sender.frame(data, wsOpts).length
    return Number(now() - t)
  }
  const m = compare(() => {}, ours, ws)
  return { op: "encode", kind, size, frames, ...m }
}

/**
 * What ws uses for masking and UTF-8 validation in this process (resolved from ws's directory, as
 * ws does). On Node ≥ 18.14 ws validates UTF-8 with `buffer.isUtf8` (native) and ignores
 * utf-8-validate and WS_NO_UTF_8_VALIDATE.
 */
const addons = (): ChildReport["addons"] => {
  const req = createRequire(createRequire(import.meta.url).resolve("ws"))
  let bufferutil = false
  if (!process.env.WS_NO_BUFFER_UTIL) {
    try {
      bufferutil = req("bufferutil").mask !== req("bufferutil/fallback").mask
    } catch {
      bufferutil = false
    }
  }
  const utf8 =
    typeof (req("buffer") as { isUtf8?: unknown }).isUtf8 === "function"
      ? "buffer.isUtf8 (Node built-in, native)"
      : process.env.WS_NO_UTF_8_VALIDATE
        ? "JS"
        : "utf-8-validate"
  return { bufferutil, utf8 }
}

const child = (mode: "native" | "js"): void => {
  const results: Array<Result> = []
  for (const op of ["decode", "encode"] as const) {
    for (const size of SIZES) {
      for (const kind of ["binary", "text"] as const) {
        results.push(op === "decode" ? benchDecode(kind, size) : benchEncode(kind, size))
        process.stderr.write(`  [${mode}] ${op} ${kind} ${size} B done\n`)
      }
    }
  }
  if (sink === -1) process.stderr.write("")
  const report: ChildReport = { mode, addons: addons(), results }
  process.stdout.write(JSON.stringify(report) + "\n")
}

// ---- parent: run both children, print and record ------------------------------------------

const sizeLabel = (n: number): string => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`)
const fmtRate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0))
const fmtRatio = (x: number): string => `${x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`
const fmtMB = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
const perSec = (r: Result, ns: number) => ({ fps: (r.frames * 1e9) / ns, mbs: (r.frames * r.size * 1e3) / ns })

const runChild = (mode: "native" | "js"): ChildReport => {
  const env = { ...process.env }
  delete env.WS_NO_BUFFER_UTIL
  delete env.WS_NO_UTF_8_VALIDATE
  if (mode === "js") env.WS_NO_BUFFER_UTIL = env.WS_NO_UTF_8_VALIDATE = "1"
  process.stderr.write(`running ${mode} child…\n`)
  const script = fileURLToPath(import.meta.url)
  const res = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, script, "--child", mode], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 << 20
  })
  if (res.status !== 0) throw new Error(`${mode} child failed with status ${res.status}`)
  return JSON.parse(res.stdout.trim().split("\n").pop()!) as ChildReport
}

const table = (native: ChildReport, js: ChildReport): string => {
  const head =
    "| case | ours frames/s | ours MB/s | ws frames/s (native addons) | **ours/ws** | ws frames/s (pure JS) | **ours/ws (JS)** |\n" +
    "|---|---:|---:|---:|---:|---:|---:|"
  const rows = native.results.map((r, i) => {
    const j = js.results[i]!
    const o = perSec(r, r.oursNs),
      w = perSec(r, r.wsNs),
      wj = perSec(j, j.wsNs)
    return (
      `| ${r.op} ${r.kind} ${sizeLabel(r.size)}${r.op === "encode" && r.kind === "binary" ? " †" : ""} | ${fmtRate(o.fps)} | ${fmtMB(o.mbs)} | ${fmtRate(w.fps)} | ` +
      `**${fmtRatio(r.ratio)}** | ${fmtRate(wj.fps)} | **${fmtRatio(j.ratio)}** |`
    )
  })
  const note =
    "\n\n† Not like for like: ws's `Sender.frame` returns `[header, payload]` without touching the payload " +
    "(the socket later writes both with writev), ours returns one buffer with the payload copied in (the " +
    "codec contract: one buffer per frame). The text rows compare equal work (UTF-8 encode + header)."
  return [head, ...rows].join("\n") + note
}

const parent = (): void => {
  const load = os.loadavg()[0]!.toFixed(1)
  const native = runChild("native")
  const js = runChild("js")
  const cpu = (/model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model ?? "?").trim()
  const t = table(native, js)
  const section = [
    "## Codec micro-benchmark",
    "",
    `- Machine: ${cpu}, ${os.cpus().length} cores (${os.platform()} ${os.arch()}); 1-min load average ` +
      `at start: ${load}${Number(load) > os.cpus().length ? " (shared machine: absolute rates are depressed and noisy; the per-run-pair ratios are the number to read)" : ""}`,
    `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `- Node ${process.version}; ws 8.23.0. ws masking: bufferutil ${native.addons.bufferutil ? "native" : "NOT loaded"} ` +
      `in the "native addons" run, ${js.addons.bufferutil ? "native (env ignored?)" : "JS"} in the pure-JS run; ` +
      (native.addons.utf8 === js.addons.utf8
        ? `ws UTF-8 validation: ${native.addons.utf8} in both runs (WS_NO_UTF_8_VALIDATE has no effect on this Node)`
        : `ws UTF-8 validation: ${native.addons.utf8} / ${js.addons.utf8}`),
    "- Command: `pnpm --filter @wspipe/codec bench` (also run by `pnpm bench`)",
    "",
    `Rates are medians of ${RUNS} timed runs after ${WARMUP} warm-up runs. Ratio = median over those runs of ` +
      "(ws time / our time), the two measured back to back in the same process (> 1: we are faster). " +
      "MB/s counts payload bytes (10^6 B).",
    "The pure-JS column is a second process with `WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1`; its ratio " +
      "uses our time from that process.",
    "",
    "- decode: `Parser.FrameParser` (role server) vs `new Receiver({ isServer: true, maxPayload: 0 })`; input is",
    "  masked client frames (random key per frame) fed in 64 KiB chunks, a fresh copy per run; a message",
    '  is counted on `onMessage` / `"message"`. Text decoding includes UTF-8 validation on both sides.',
    '- encode: `Encoder.frame(Opcode.Binary, bytes)` / `Encoder.message("text", string)` vs',
    "  `Sender.frame(data, { fin: true, rsv1: false, opcode, mask: false, readOnly: false })`.",
    "",
    t
  ].join("\n")
  process.stdout.write("\n" + t + "\n")
  const docs = fileURLToPath(new URL("../../../docs/benchmarks.md", import.meta.url))
  const md = readFileSync(docs, "utf8")
  const begin = "<!-- codec:begin -->",
    end = "<!-- codec:end -->"
  const a = md.indexOf(begin),
    b = md.indexOf(end)
  if (a < 0 || b < a) throw new Error(`markers ${begin} / ${end} not found in ${docs}`)
  writeFileSync(docs, md.slice(0, a + begin.length) + "\n" + section + "\n" + md.slice(b))
  process.stdout.write(`\nwrote the codec section of ${docs}\n`)
}

const at = process.argv.indexOf("--child")
if (at >= 0) child(process.argv[at + 1] === "js" ? "js" : "native")
else parent()
