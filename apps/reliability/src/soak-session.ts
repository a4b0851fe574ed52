/**
 * One soak "slot": a loop of sessions (connect, exchange messages, close, reconnect) until told to
 * stop. Every message carries the connection id, a sequence number, its length and an FNV-1a
 * checksum of its payload; the echo is checked against what is in flight, so a lost, duplicated,
 * reordered, corrupted or misrouted message is counted, never missed.
 *
 * Binary: [u32 conn][u32 seq][u32 len][u32 fnv] payload.  Text: "conn:seq:len:fnvhex:" payload.
 * With `deflate` the slots offer permessage-deflate; where it is agreed every message is sent
 * compressed (RSV1, fragments cut from the compressed bytes) and compressed echoes are inflated.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { closePayload, frame, Rsv } from "@wspipe/test-frames"
import { repoRoot } from "./lib/child.js"
import { RawConn } from "./lib/conn.js"
import type { ClientDeflate } from "./lib/deflate.js"
import { fnv1a } from "./lib/fnv.js"
import type { Rng } from "./lib/rng.js"

export interface SoakStats {
  sessions: number
  sessionsOk: number
  connected: number
  open: number
  peakOpen: number
  sent: number
  received: number
  bytesSent: number
  lost: number
  duplicated: number
  reordered: number
  corrupted: number
  misrouted: number
  timeouts: number
  connectFailures: Record<string, number>
  unexpected: Record<string, number>
  closeCodes: Record<string, number>
  violations: number
  /** permessage-deflate (with `deflate`): sessions that agreed / declined, bytes before and after compression. */
  deflate: {
    agreed: number
    declined: number
    sentPlain: number
    sentWire: number
    receivedPlain: number
    receivedWire: number
    compressedReceived: number
  }
}

export const newStats = (): SoakStats => ({
  sessions: 0,
  sessionsOk: 0,
  connected: 0,
  open: 0,
  peakOpen: 0,
  sent: 0,
  received: 0,
  bytesSent: 0,
  lost: 0,
  duplicated: 0,
  reordered: 0,
  corrupted: 0,
  misrouted: 0,
  timeouts: 0,
  connectFailures: {},
  unexpected: {},
  closeCodes: {},
  violations: 0,
  deflate: { agreed: 0, declined: 0, sentPlain: 0, sentWire: 0, receivedPlain: 0, receivedWire: 0, compressedReceived: 0 }
})

export interface SoakConfig {
  readonly port: number
  readonly thinkMs: readonly [number, number]
  readonly messagesPerSession: readonly [number, number]
  readonly echoTimeoutMs: number
  /** Limits concurrent connects + handshakes (the listen backlog is finite). */
  readonly connectGate: Gate
  /** Offer permessage-deflate (lib/deflate.ts) and compress every message where it is agreed. */
  readonly deflate?: boolean
}

/** A counting semaphore. */
export class Gate {
  private free: number
  private readonly queue: Array<() => void> = []
  constructor(n: number) {
    this.free = n
  }
  async enter(): Promise<void> {
    if (this.free > 0) {
      this.free--
      return
    }
    await new Promise<void>((r) => this.queue.push(r))
  }
  leave(): void {
    const next = this.queue.shift()
    if (next !== undefined) next()
    else this.free++
  }
}

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

interface InFlight {
  readonly seq: number
  readonly kind: "text" | "binary"
  readonly len: number
  readonly sum: number
}

let nextConnId = 1
const TEXT_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 éßж中文😀€"
const textChars = Array.from(TEXT_ALPHABET)

/** Builds message `seq` of connection `id`: its frame bytes and what to expect back. */
const makeMessage = (rng: Rng, id: number, seq: number, deflate?: ClientDeflate): { frames: Buffer[]; expect: InFlight } => {
  const size = rng.chance(0.01) ? rng.range(4096, 65_536) : rng.range(0, 1024)
  let kind: "text" | "binary" = rng.chance(0.3) ? "text" : "binary"
  let data: Buffer
  let sum: number
  let len: number
  if (kind === "binary") {
    data = Buffer.allocUnsafe(16 + size)
    rng.fill(data, 16)
    sum = fnv1a(data, 16)
    len = size
    data.writeUInt32BE(id, 0)
    data.writeUInt32BE(seq, 4)
    data.writeUInt32BE(size, 8)
    data.writeUInt32BE(sum, 12)
  } else {
    let text = ""
    const n = Math.min(size, 2000)
    for (let i = 0; i < n; i++) text += rng.chance(0.9) ? textChars[rng.int(36)] : rng.pick(textChars)
    const body = Buffer.from(text, "utf8")
    sum = fnv1a(body)
    len = body.length
    data = Buffer.concat([Buffer.from(`${id}:${seq}:${len}:${sum.toString(16)}:`, "latin1"), body])
    kind = "text"
  }
  const opcode = kind === "text" ? 1 : 2
  const frames: Buffer[] = []
  // Compressed: RSV1 on the first frame only (RFC 7692 §6.1); the fragments split the compressed bytes.
  const rsv = deflate === undefined ? 0 : Rsv.Rsv1
  if (deflate !== undefined) data = deflate.compress(data)
  if (data.length > 2 && rng.chance(0.1)) {
    // Fragmented (§5.4): 2–3 frames; text may split inside a UTF-8 sequence, which is legal.
    const cut1 = rng.range(1, data.length - 1)
    const cut2 = rng.chance(0.5) ? rng.range(cut1, data.length) : data.length
    frames.push(frame(opcode, data.subarray(0, cut1), { fin: false, rsv }))
    if (cut2 < data.length) frames.push(frame(0, data.subarray(cut1, cut2), { fin: false }))
    frames.push(frame(0, data.subarray(cut2 < data.length ? cut2 : cut1), { fin: true }))
  } else frames.push(frame(opcode, data, { rsv }))
  return { frames, expect: { seq, kind, len, sum } }
}

/** Decodes an echoed message's header; undefined when it does not even parse. */
const parseEcho = (
  kind: "text" | "binary",
  data: Buffer
): { id: number; seq: number; len: number; sum: number; actual: number; actualLen: number } | undefined => {
  if (kind === "binary") {
    if (data.length < 16) return undefined
    return {
      id: data.readUInt32BE(0),
      seq: data.readUInt32BE(4),
      len: data.readUInt32BE(8),
      sum: data.readUInt32BE(12),
      actual: fnv1a(data, 16),
      actualLen: data.length - 16
    }
  }
  let colons = 0
  let at = 0
  for (; at < data.length && at < 64 && colons < 4; at++) if (data[at] === 0x3a) colons++
  if (colons < 4) return undefined
  const parts = data.toString("latin1", 0, at - 1).split(":")
  return {
    id: Number(parts[0]),
    seq: Number(parts[1]),
    len: Number(parts[2]),
    sum: parseInt(parts[3]!, 16),
    actual: fnv1a(data, at),
    actualLen: data.length - at
  }
}

/**
 * A server closed a session that only sent valid messages: keep the last burst (a fresh parser
 * state: everything before it was echoed) as `repro/soak-*.bin` + `.json` (the TCP split point).
 */
const saveRepro = (reason: string, id: number, bytes: Buffer, cut: number): void => {
  try {
    const dir = join(repoRoot, "apps", "reliability", "repro")
    mkdirSync(dir, { recursive: true })
    const base = join(dir, `soak-${reason.replace(/\W+/g, "-")}-${id}`)
    writeFileSync(base + ".bin", bytes)
    writeFileSync(base + ".json", JSON.stringify({ reason, conn: id, tcpSplitAt: cut, bytes: bytes.length }) + "\n")
    process.stderr.write(`soak: ${reason} on valid traffic; reproducer ${base}.bin\n`)
  } catch (error) {
    process.stderr.write(`soak: could not save reproducer: ${String(error)}\n`)
  }
}

/**
 * Runs sessions until `stop()` is true. Never throws; every failure is counted in `stats`.
 * Bounded: each wait has a deadline (`echoTimeoutMs`), each session a message count.
 */
export const runSlot = async (rng: Rng, cfg: SoakConfig, stats: SoakStats, stop: () => boolean): Promise<void> => {
  while (!stop()) {
    await cfg.connectGate.enter()
    let conn: RawConn | string
    try {
      conn = await RawConn.open(cfg.port, cfg.echoTimeoutMs, "/", { deflate: cfg.deflate === true })
    } finally {
      cfg.connectGate.leave()
    }
    stats.sessions++
    if (typeof conn === "string") {
      bump(stats.connectFailures, conn)
      await sleep(rng.range(100, 1000))
      continue
    }
    stats.connected++
    if (cfg.deflate === true) {
      if (conn.deflate === undefined) stats.deflate.declined++
      else stats.deflate.agreed++
    }
    stats.open++
    if (stats.open > stats.peakOpen) stats.peakOpen = stats.open
    try {
      if (await session(rng, cfg, stats, conn, stop)) stats.sessionsOk++
    } finally {
      stats.open--
      const counts = conn.deflate?.counts
      if (counts !== undefined) {
        const d = stats.deflate
        d.sentPlain += counts.sentPlain
        d.sentWire += counts.sentWire
        d.receivedPlain += counts.receivedPlain
        d.receivedWire += counts.receivedWire
        d.compressedReceived += counts.compressedReceived
      }
      conn.destroy()
    }
    if (!stop()) await sleep(rng.range(0, 500))
  }
}

/** One connection's life; true when it ended with a clean closing handshake and nothing lost. */
const session = async (rng: Rng, cfg: SoakConfig, stats: SoakStats, conn: RawConn, stop: () => boolean): Promise<boolean> => {
  const id = nextConnId++ >>> 0
  const total = rng.range(cfg.messagesPerSession[0], cfg.messagesPerSession[1])
  const inflight: InFlight[] = []
  let seq = 0
  let maxSeen = -1
  let burstBytes: Buffer | undefined
  let burstCut = 0
  const fail = (reason: string): false => {
    bump(stats.unexpected, reason)
    if (burstBytes !== undefined && /^server-close:10(0[27]|09)$/.test(reason)) saveRepro(reason, id, burstBytes, burstCut)
    stats.lost += inflight.length
    return false
  }
  while (seq < total && !stop()) {
    // A burst of 1–4 pipelined messages, written together or one by one.
    const burst = Math.min(rng.range(1, 4), total - seq)
    const writes: Buffer[] = []
    for (let i = 0; i < burst; i++) {
      const m = makeMessage(rng, id, seq++, conn.deflate)
      inflight.push(m.expect)
      writes.push(...m.frames)
      stats.sent++
    }
    const bytes = Buffer.concat(writes)
    stats.bytesSent += bytes.length
    burstBytes = bytes
    burstCut = 0
    if (rng.chance(0.2) && bytes.length > 1) {
      const cut = (burstCut = rng.range(1, bytes.length - 1))
      conn.write(bytes.subarray(0, cut))
      conn.write(bytes.subarray(cut))
    } else conn.write(bytes)
    while (inflight.length > 0) {
      const e = await conn.next(cfg.echoTimeoutMs)
      if (e.type === "ping") {
        conn.write(frame(10, e.data))
        continue
      }
      if (e.type === "timeout") {
        stats.timeouts++
        return fail("echo-timeout")
      }
      if (e.type === "violation") {
        stats.violations++
        return fail(`violation:${e.reason}`)
      }
      if (e.type === "close") return fail(`server-close:${e.code}`)
      if (e.type !== "message") return fail(e.type === "error" ? `socket:${e.code}` : e.type)
      stats.received++
      const h = parseEcho(e.kind, e.data)
      if (h === undefined) {
        stats.corrupted++
        continue
      }
      if (h.id !== id) {
        stats.misrouted++
        stats.corrupted++
        continue
      }
      const at = inflight.findIndex((x) => x.seq === h.seq)
      if (at < 0) {
        if (h.seq <= maxSeen) stats.duplicated++
        else stats.corrupted++
        continue
      }
      const want = inflight[at]!
      if (at > 0) stats.reordered++
      inflight.splice(at, 1)
      if (h.seq > maxSeen) maxSeen = h.seq
      if (e.kind !== want.kind || h.len !== want.len || h.actualLen !== want.len || h.sum !== want.sum || h.actual !== want.sum)
        stats.corrupted++
    }
    const [lo, hi] = cfg.thinkMs
    if (hi > 0) await sleep(rng.range(lo, hi))
  }
  // Closing handshake (§7.1.2): we send Close 1000, the server echoes it and ends TCP first.
  conn.write(frame(8, closePayload(1000, "bye")))
  for (;;) {
    const e = await conn.next(cfg.echoTimeoutMs)
    if (e.type === "close") {
      bump(stats.closeCodes, String(e.code))
      if (e.code !== 1000) return fail(`close-echo:${e.code}`)
      const end = await conn.next(cfg.echoTimeoutMs)
      if (end.type === "eof") return true
      return fail(`after-close:${end.type}`)
    }
    if (e.type === "ping" || e.type === "pong") continue
    if (e.type === "message") {
      stats.received++
      stats.duplicated++ // nothing was in flight: any further message is extra
      continue
    }
    if (e.type === "timeout") stats.timeouts++
    return fail(`closing:${e.type}`)
  }
}
