/**
 * Does one client's 16 MiB compressed message stall the others? Small-message clients ("probes",
 * {@link RawConn} with permessage-deflate: each sends a ~100 B text, compressed, waits for its echo,
 * pauses, repeats) run against an echo server while a big client, on a worker thread, sends
 * 16 MiB binary messages compressed once up front — highly compressible (a 16 MiB JSON line
 * repeated: ~16 KiB on the wire, a bomb-like 1000× inflate) or incompressible (random bytes: 16 MiB
 * on the wire, stored blocks) — one at a time, each after the server's (compressed) echo of the
 * previous came back completely. The server inflates, hands over, and compresses each of them in
 * bounded slices (docs/deflate-engine.md); between slices it must keep answering the probes.
 *
 * Returned: every probe answer (client, time, round trip) and each big message's window (from its
 * write to the last byte of its echo), so a caller can count the answers inside the windows (no
 * starvation) and take percentiles of the round trips inside them (the bench's p99).
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { Worker } from "node:worker_threads"
import * as zlib from "node:zlib"
import { frame, Op, Rsv } from "@wspipe/test-frames"
import { RawConn } from "./conn.js"

export const BIG = 16 * 1024 * 1024

export type BigKind = "compressible" | "incompressible"

/** The big message (16 MiB) of a kind. */
export const bigMessage = (kind: BigKind): Buffer =>
  kind === "incompressible" ? randomBytes(BIG) : Buffer.alloc(BIG, '{"type":"tick","symbol":"BTCUSDT","price":"43210.12"}\n')

export interface StallOptions {
  readonly port: number
  /** Probe connections of this process; 0 when the caller runs its own (loadgen-probes.ts). */
  readonly probes: number
  readonly kind: BigKind
  /** Big messages to send, one after another's echo. */
  readonly bigMessages: number
  /** Probe pause between an echo and the next message. */
  readonly pauseMs: number
  /** Probe traffic alone before the first big message (the quiet baseline). */
  readonly quietMs: number
  /** Deadline for the whole run. */
  readonly timeoutMs: number
}

export interface StallResult {
  /** Every probe answer: which probe, when (ms, {@link monotonicMs}), its round trip (ms). */
  readonly answers: ReadonlyArray<{ readonly probe: number; readonly at: number; readonly rtt: number }>
  /** Each big message: written at `sent`, echo complete at `echoed` (ms, same clock). */
  readonly windows: ReadonlyArray<{
    readonly sent: number
    readonly echoed: number
    readonly wireBytes: number
    readonly echoWireBytes: number
  }>
  /** The first big echo inflated back to the message sent. */
  readonly echoIntact: boolean
  /** The probes' traffic started at this time; the first big message was sent after `quietMs`. */
  readonly started: number
  /** Why the run failed (a probe's connection ended, the big client failed), or undefined. */
  readonly failure: string | undefined
}

/** Milliseconds on CLOCK_MONOTONIC (libuv's hrtime): the clock of the windows, the answers and the C load generator's log. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6

const now = monotonicMs

/**
 * The big client: plain JavaScript on a worker thread (its own event loop, so its reads of 16 MiB
 * echoes do not delay the probes' callbacks in the main thread's loop). The all-zero masking key
 * makes masking a no-op (valid on the wire, RFC 6455 §5.3), so the payload is written as it is.
 */
const bigClient = `
const { parentPort, workerData } = require("node:worker_threads")
const net = require("node:net")
const { port, payload, count } = workerData
const now = () => Number(process.hrtime.bigint()) / 1e6 // monotonicMs, the main thread's clock
const socket = net.connect({ host: "127.0.0.1", port })
socket.setNoDelay(true)
const header = Buffer.alloc(14)
header[0] = 0x80 | 0x40 | 0x2 // FIN, RSV1 (compressed), binary
header[1] = 0x80 | 127
header.writeBigUInt64BE(BigInt(payload.length), 2) // then the all-zero key (bytes 10..13)
let head = "", sent = 0, hdr = Buffer.alloc(0), left = -1, fin = false, op = 0, ctl = [], inMessage = 0, echoWire = 0, keep = [], keepFirst = true
const send = () => {
  socket.write(header)
  socket.write(payload)
  parentPort.postMessage({ type: "sent", at: now(), wireBytes: payload.length })
  sent++
}
const frameDone = () => {
  left = -1
  if (op === 0x8) return parentPort.postMessage({ type: "error", why: "the server closed" })
  if (op === 0x9) { const body = Buffer.concat(ctl); socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | body.length, 0, 0, 0, 0]), body])); return }
  if (op >= 0x8 || !fin) return
  parentPort.postMessage({ type: "echoed", at: now(), echoWireBytes: echoWire, compressed: inMessage === 2, first: keepFirst ? Buffer.concat(keep) : undefined })
  keepFirst = false
  keep = []
  echoWire = 0
  if (sent < count) send()
  else { socket.end(); parentPort.postMessage({ type: "done" }) }
}
// Incremental: a 16 MiB echo arrives in many chunks and is never joined (only the first is kept).
const frames = (chunk) => {
  let off = 0
  while (off < chunk.length) {
    if (left < 0) {
      const before = hdr.length
      hdr = Buffer.concat([hdr, chunk.subarray(off, off + 14 - before)])
      const b1 = hdr.length >= 2 ? hdr[1] & 0x7f : 0
      const hl = b1 === 126 ? 4 : b1 === 127 ? 10 : 2
      if (hdr.length < 2 || hdr.length < hl) { off = chunk.length; continue }
      off += hl - before
      fin = (hdr[0] & 0x80) !== 0
      op = hdr[0] & 0x0f
      left = b1 === 126 ? hdr.readUInt16BE(2) : b1 === 127 ? Number(hdr.readBigUInt64BE(2)) : b1
      if (op >= 0x8) ctl = []
      else if (op !== 0x0) inMessage = hdr[0] & 0x40 ? 2 : 1
      hdr = Buffer.alloc(0)
      if (left === 0) frameDone()
      continue
    }
    const n = Math.min(left, chunk.length - off)
    const part = chunk.subarray(off, off + n)
    if (op >= 0x8) ctl.push(Buffer.from(part))
    else {
      echoWire += n
      if (keepFirst) keep.push(Buffer.from(part))
    }
    off += n
    left -= n
    if (left === 0) frameDone()
  }
}
socket.on("error", (e) => parentPort.postMessage({ type: "error", why: e.message }))
socket.on("data", (chunk) => {
  if (head !== null) {
    head += chunk.toString("latin1")
    const end = head.indexOf("\\r\\n\\r\\n")
    if (end < 0) return
    if (!/^HTTP\\/1\\.1 101/.test(head) || !/sec-websocket-extensions:\\s*permessage-deflate/i.test(head)) return parentPort.postMessage({ type: "error", why: "no permessage-deflate: " + head.split("\\r\\n").join(" | ") })
    const rest = chunk.subarray(chunk.length - (head.length - end - 4))
    head = null
    parentPort.on("message", (m) => { if (m === "go") send() })
    parentPort.postMessage({ type: "ready" })
    return frames(rest)
  }
  frames(chunk)
})
socket.write("GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n" +
  "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\\r\\n\\r\\n")
`

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Runs the probes and the big client (see the module comment). Never throws for a server failure: `failure` says. */
export const runStall = async (o: StallOptions): Promise<StallResult> => {
  const message = bigMessage(o.kind)
  // Compressed once, as any client would (zlib's default level); the server must inflate it to 16 MiB.
  const payload = zlib.deflateRawSync(message, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4)
  const answers: Array<{ probe: number; at: number; rtt: number }> = []
  const windows: Array<{ sent: number; echoed: number; wireBytes: number; echoWireBytes: number }> = []
  let failure: string | undefined
  let first: Buffer | undefined
  let firstCompressed = false
  let running = true

  const conns: Array<RawConn> = []
  for (let i = 0; i < o.probes; i++) {
    const c = await RawConn.open(o.port, 10_000, "/", { deflate: true })
    if (typeof c === "string") throw new Error(`probe ${i} could not connect: ${c}`)
    if (c.deflate === undefined) throw new Error(`probe ${i}: the server declined permessage-deflate`)
    conns.push(c)
  }
  const started = now()
  const probes = conns.map(async (conn, k) => {
    for (let i = 0; running && failure === undefined; i++) {
      const text = `{"probe":${k},"seq":${i},"pad":"${"x".repeat(64)}"}`
      const t0 = now()
      conn.write(frame(Op.Text, conn.deflate!.compress(Buffer.from(text)), { rsv: Rsv.Rsv1 }))
      for (;;) {
        const e = await conn.next(10_000)
        if (e.type === "ping") {
          conn.write(frame(Op.Pong, e.data))
          continue
        }
        if (e.type !== "message" || e.data.toString() !== text) {
          failure ??= `probe ${k} message ${i}: ${e.type === "message" ? "a wrong echo" : e.type === "close" ? `closed ${e.code}` : e.type}`
          return
        }
        break
      }
      const at = now()
      answers.push({ probe: k, at, rtt: at - t0 })
      if (o.pauseMs > 0) await sleep(o.pauseMs)
    }
  })

  const worker = new Worker(bigClient, { eval: true, workerData: { port: o.port, payload, count: o.bigMessages } })
  const done = new Promise<void>((resolve) => {
    let sent = 0
    worker.on(
      "message",
      (m: {
        type: string
        at: number
        wireBytes?: number
        echoWireBytes?: number
        why?: string
        first?: Uint8Array
        compressed?: boolean
      }) => {
        if (m.type === "ready") void sleep(o.quietMs).then(() => worker.postMessage("go"))
        else if (m.type === "sent") {
          sent = m.at
          windows.push({ sent, echoed: NaN, wireBytes: m.wireBytes!, echoWireBytes: 0 })
        } else if (m.type === "echoed") {
          const w = windows[windows.length - 1]!
          windows[windows.length - 1] = { ...w, echoed: m.at, echoWireBytes: m.echoWireBytes! }
          if (m.first !== undefined) {
            first = Buffer.from(m.first)
            firstCompressed = m.compressed === true
          }
        } else if (m.type === "done") resolve()
        else if (m.type === "error") {
          failure ??= `big client: ${m.why}`
          resolve()
        }
      }
    )
    worker.on("error", (e) => {
      failure ??= `big client: ${e.message}`
      resolve()
    })
  })
  const timer = new Promise<void>((r) =>
    setTimeout(() => {
      failure ??= `the ${o.bigMessages} big messages were not all echoed within ${o.timeoutMs} ms`
      r()
    }, o.timeoutMs)
  )
  await Promise.race([done, timer])
  running = false
  await Promise.race([Promise.all(probes), sleep(12_000)])
  await worker.terminate()
  for (const c of conns) c.destroy()

  let echoIntact = false
  if (first !== undefined) {
    const back = firstCompressed
      ? zlib.inflateRawSync(Buffer.concat([first, Buffer.from([0, 0, 0xff, 0xff])]), {
          finishFlush: zlib.constants.Z_SYNC_FLUSH,
          maxOutputLength: BIG + 1
        })
      : first
    echoIntact = back.equals(message)
  }
  return { answers, windows, echoIntact, started, failure }
}

/** The answers inside the big messages' windows, and each probe's count in each window. */
export const duringBig = (
  r: StallResult,
  probes: number,
  /** Leave out the first `skipWindows` big messages, and the quiet answers of the first `quietAfterMs`. */
  options: { readonly skipWindows?: number; readonly quietAfterMs?: number } = {}
) => {
  const windows = r.windows.slice(options.skipWindows ?? 0)
  const inside = r.answers.filter((a) => windows.some((w) => a.at > w.sent && a.at < w.echoed))
  const perWindow = windows.map((w) => {
    const counts = new Array<number>(probes).fill(0)
    for (const a of r.answers) if (a.at > w.sent && a.at < w.echoed) counts[a.probe]!++
    return counts
  })
  const quietFrom = r.started + (options.quietAfterMs ?? 0)
  const quiet = r.answers.filter((a) => a.at >= quietFrom && (r.windows.length === 0 || a.at < r.windows[0]!.sent))
  return { inside, perWindow, quiet }
}

export const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}
