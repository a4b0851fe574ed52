/**
 * The codec fuzzer's engine (used by `pnpm fuzz` and by test/fuzz.test.ts). Input `i` of a run is
 * generated from `Rng(mix(seed, i))` alone, so any input can be rebuilt from (seed, index).
 *
 * Per input: no exception escapes; it finishes within `slowMs` (re-timed twice before it counts as
 * a hang, to tell a scheduler stall on a shared machine from a real one); the run ends in frames
 * or exactly one ProtocolError with code 1002/1007/1009 (the same error object on every later
 * push, and no sink call after it) or a HandshakeError with a known status; every delivered text
 * message and close reason is valid UTF-8, control payloads ≤ 125 bytes, messages ≤ the limit.
 * Valid inputs are differential: they must decode to exactly what was encoded.
 */
import { Close, Handshake, HandshakeError, Http, type Opcode, Parser, ProtocolError, Utf8 } from "@wspipe/codec"
import { chunkSizes, mutate, randomFrames, validStream, type Expected, type Role } from "./gen-frames.js"
import { mutatedRequest, validRequest } from "./gen-handshake.js"
import { Rng } from "./lib/rng.js"

export const KINDS = ["valid", "mutated", "frames", "noise", "request", "request-mutated"] as const
export type Kind = (typeof KINDS)[number]

/** A generated input: the chunks to push (fresh copies: the parser unmasks in place). */
export interface Input {
  readonly kind: Kind
  readonly role: Role
  readonly maxFrameSize: number
  readonly maxMessageSize: number
  readonly maxHeadSize: number | undefined
  readonly bytes: Uint8Array
  readonly sizes: number[]
  readonly expected: Expected[] | undefined
  readonly request: ReturnType<typeof validRequest>["expect"]
}

/** Mixes run seed and input index into one 32-bit seed (splitmix-style). */
export const mix = (seed: number, index: number): number => {
  let h = (seed ^ Math.imul(index, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

const DEFAULT_FRAME = 16 * 1024 * 1024
const DEFAULT_MESSAGE = 16 * 1024 * 1024

/** Builds input `index` of the run with `seed`. */
export const generate = (seed: number, index: number): Input => {
  const rng = new Rng(mix(seed, index))
  const r = rng.int(100)
  const kind: Kind = r < 35 ? "valid" : r < 60 ? "mutated" : r < 75 ? "frames" : r < 82 ? "noise" : r < 90 ? "request" : "request-mutated"
  const role: Role = rng.chance(0.7) ? "server" : "client"
  const small = rng.chance(0.25)
  const maxFrameSize = small ? rng.range(1, 4096) : DEFAULT_FRAME
  const maxMessageSize = small ? rng.range(maxFrameSize, 8192) : DEFAULT_MESSAGE
  let bytes: Uint8Array
  let expected: Expected[] | undefined
  let request: Input["request"]
  let maxHeadSize: number | undefined
  if (kind === "valid" || kind === "mutated") {
    // A valid stream must respect the limits to be "valid": generate with the message limit.
    const v =
      kind === "valid" ? validStream(rng, role, maxMessageSize, maxFrameSize) : validStream(rng, role, rng.chance(0.1) ? 70_000 : 2048)
    bytes = kind === "valid" ? v.bytes : mutate(rng, v.bytes)
    expected = kind === "valid" ? v.expected : undefined
  } else if (kind === "frames") bytes = randomFrames(rng, role)
  else if (kind === "noise") bytes = rng.bytes(rng.length(4096))
  else {
    const c = kind === "request" ? validRequest(rng) : mutatedRequest(rng)
    bytes = c.bytes
    request = c.expect
    maxHeadSize = c.maxHeadSize
  }
  return { kind, role, maxFrameSize, maxMessageSize, maxHeadSize, bytes, sizes: chunkSizes(rng, bytes.length), expected, request }
}

export type Outcome = "frames" | "incomplete" | "closed" | `error:${number}` | `handshake:${number}` | "upgrade"

/** Checks one input; returns the outcome, or throws an Error describing the violation. */
export const check = (input: Input): Outcome =>
  input.kind === "request" || input.kind === "request-mutated" ? checkRequest(input) : checkFrames(input)

const HANDSHAKE_STATUSES = new Set([400, 405, 426, 431, 505])
const PROTOCOL_CODES = new Set([1002, 1007, 1009])

const chunksOf = (input: Input): Uint8Array[] => {
  const out: Uint8Array[] = []
  let at = 0
  for (const n of input.sizes) {
    out.push(input.bytes.slice(at, at + n)) // slice: a fresh copy, the parser unmasks in place
    at += n
  }
  return out
}

const checkFrames = (input: Input): Outcome => {
  const got: Expected[] = []
  let stopped = false // after an error or a close: no more sink calls allowed
  const limit = input.maxMessageSize
  const sink: Parser.Sink = {
    onMessage(kind: Opcode.MessageKind, data: Uint8Array, rsv: number) {
      if (stopped) throw new Error("sink called after the parser stopped")
      if (rsv !== 0) throw new Error(`message with rsv ${rsv} though none was allowed`)
      if (data.length > limit) throw new Error(`message of ${data.length} bytes over maxMessageSize ${limit}`)
      if (kind === "text" && !Utf8.isValid(data)) throw new Error("invalid UTF-8 text message delivered")
      got.push({ type: kind, data: Uint8Array.from(data) })
    },
    onPing(data) {
      if (stopped || data.length > 125) throw new Error("bad ping delivery")
      got.push({ type: "ping", data: Uint8Array.from(data) })
    },
    onPong(data) {
      if (stopped || data.length > 125) throw new Error("bad pong delivery")
      got.push({ type: "pong", data: Uint8Array.from(data) })
    },
    onClose(code, reason) {
      if (stopped) throw new Error("close delivered twice")
      if (code !== 1005 && !Close.isValidWireCode(code)) throw new Error(`close with invalid code ${code}`)
      stopped = true
      got.push({ type: "close", code, reason })
    }
  }
  const parser = new Parser.FrameParser(sink, { role: input.role, maxFrameSize: input.maxFrameSize, maxMessageSize: input.maxMessageSize })
  let error: ProtocolError | undefined
  for (const chunk of chunksOf(input)) {
    const r = parser.push(chunk)
    if (error !== undefined) {
      if (r !== error) throw new Error("a push after the error returned a different result")
      continue
    }
    if (r !== undefined) {
      if (!(r instanceof ProtocolError)) throw new Error(`push returned a non-ProtocolError: ${String(r)}`)
      if (!PROTOCOL_CODES.has(r.code)) throw new Error(`ProtocolError with code ${r.code} (${r.reason})`)
      error = r
      stopped = true
    }
  }
  if (error !== undefined && parser.push(new Uint8Array([0x81])) !== error) throw new Error("error not sticky")
  if (input.expected !== undefined) {
    if (error !== undefined) throw new Error(`valid stream rejected: ${error.code} ${error.reason}`)
    diff(input.expected, got)
    if (!parser.idle) throw new Error("valid stream left the parser not idle")
  }
  if (error !== undefined) return `error:${error.code}`
  if (got.length > 0 && got[got.length - 1]!.type === "close") return "closed"
  return parser.idle ? "frames" : "incomplete"
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

/** The differential check: decoded == encoded, item by item. */
const diff = (want: ReadonlyArray<Expected>, got: ReadonlyArray<Expected>): void => {
  if (want.length !== got.length) throw new Error(`decoded ${got.length} items, expected ${want.length}`)
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!
    const g = got[i]!
    if (w.type !== g.type) throw new Error(`item ${i}: ${g.type} instead of ${w.type}`)
    if (w.type === "close" && g.type === "close") {
      if (w.code !== g.code || w.reason !== g.reason)
        throw new Error(`item ${i}: close ${g.code} "${g.reason}" instead of ${w.code} "${w.reason}"`)
    } else if (w.type !== "close" && g.type !== "close" && !same(w.data, g.data)) {
      throw new Error(`item ${i}: ${w.type} payload differs (${g.data.length} vs ${w.data.length} bytes)`)
    }
  }
}

const checkRequest = (input: Input): Outcome => {
  const parser = new Http.RequestHeadParser(input.maxHeadSize === undefined ? undefined : { maxHeadSize: input.maxHeadSize })
  let result: ReturnType<Http.RequestHeadParser["push"]>
  const chunks = chunksOf(input)
  let i = 0
  for (; i < chunks.length; i++) {
    result = parser.push(chunks[i]!)
    if (result !== undefined) break
  }
  if (result === undefined) {
    if (input.request !== undefined) throw new Error("valid request head reported incomplete")
    return "incomplete"
  }
  if (result instanceof HandshakeError) {
    if (!HANDSHAKE_STATUSES.has(result.status)) throw new Error(`head parser status ${result.status} (${result.reason})`)
    if (input.request !== undefined) throw new Error(`valid request rejected by the head parser: ${result.status} ${result.reason}`)
    return `handshake:${result.status}`
  }
  if (!(typeof result === "object" && "head" in result)) throw new Error("head parser returned a strange value")
  const v = Handshake.validateUpgrade(result.head)
  const want = input.request
  if (v instanceof HandshakeError) {
    if (!HANDSHAKE_STATUSES.has(v.status)) throw new Error(`Handshake.validateUpgrade status ${v.status} (${v.reason})`)
    if (want !== undefined) throw new Error(`valid request rejected: ${v.status} ${v.reason}`)
    return `handshake:${v.status}`
  }
  if (want !== undefined) {
    // rest = bytes after the head in the completing chunk + every later chunk.
    const rest = Buffer.concat([result.rest, ...chunks.slice(i + 1)])
    if (v.key !== want.key) throw new Error(`key ${v.key} instead of ${want.key}`)
    if (v.path !== want.path || v.query !== want.query) throw new Error(`target ${v.path}?${v.query} instead of ${want.path}?${want.query}`)
    if (v.protocols.join(",") !== want.protocols.join(",")) throw new Error(`protocols ${v.protocols} instead of ${want.protocols}`)
    if (!same(rest, want.rest)) throw new Error("pipelined bytes after the head differ")
  }
  for (const value of Object.values(result.head.headers)) {
    if (/[\r\n\0]/.test(value)) throw new Error("header value with CR/LF/NUL accepted")
  }
  return "upgrade"
}

export interface Failure {
  readonly index: number
  readonly kind: Kind
  readonly message: string
  readonly input: Input
}

export interface RunResult {
  readonly seed: number
  readonly count: number
  readonly ms: number
  readonly bytes: number
  readonly kinds: Record<string, number>
  readonly outcomes: Record<string, number>
  readonly failures: Failure[]
  /** Inputs slower than slowMs once, that were fast on a re-run (scheduler stalls, GC). */
  readonly retriedSlow: number
  readonly maxMs: number
  readonly heap: Array<{ index: number; bytes: number }>
  readonly warmup: number
}

import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/** A callable `gc()` (for meaningful heap samples), when V8 lets us expose it. */
const gc = ((): (() => void) => {
  try {
    setFlagsFromString("--expose_gc")
    return runInNewContext("gc") as () => void
  } catch {
    return () => {}
  }
})()

/**
 * Runs `count` inputs. Bounded: stops after `maxFailures` failures. `progress` is called every
 * `every` inputs. The heap is sampled (after a full GC) every `heapEvery` inputs after `warmup`.
 */
export const runFuzz = (options: {
  seed: number
  count: number
  start?: number
  slowMs?: number
  maxFailures?: number
  heapEvery?: number
  warmup?: number
  every?: number
  progress?: (done: number, r: RunResult) => void
}): RunResult => {
  const { seed, count } = options
  const start = options.start ?? 0
  const slowMs = options.slowMs ?? 100
  const heapEvery = options.heapEvery ?? 100_000
  const warmup = options.warmup ?? Math.min(1_000_000, Math.floor(count / 10))
  const every = options.every ?? 1_000_000
  const kinds: Record<string, number> = {}
  const outcomes: Record<string, number> = {}
  const failures: Failure[] = []
  const heap: Array<{ index: number; bytes: number }> = []
  let retriedSlow = 0
  let maxMs = 0
  let bytes = 0
  const t0 = performance.now()
  const result = (done: number): RunResult => ({
    seed,
    count: done,
    ms: performance.now() - t0,
    bytes,
    kinds,
    outcomes,
    failures,
    retriedSlow,
    maxMs,
    heap,
    warmup
  })
  for (let n = 0; n < count; n++) {
    const index = start + n
    const input = generate(seed, index)
    kinds[input.kind] = (kinds[input.kind] ?? 0) + 1
    bytes += input.bytes.length
    let outcome: Outcome | undefined
    let message: string | undefined
    for (let attempt = 0; attempt < 3; attempt++) {
      const t = performance.now()
      try {
        outcome = check(input)
      } catch (error) {
        message = error instanceof Error ? error.message : String(error)
        break
      }
      const ms = performance.now() - t
      if (ms <= slowMs) {
        if (attempt > 0) retriedSlow++
        if (ms > maxMs) maxMs = ms
        break
      }
      if (attempt === 2) message = `took ${ms.toFixed(1)} ms (> ${slowMs} ms) three times: a hang`
    }
    if (message !== undefined) {
      failures.push({ index, kind: input.kind, message, input })
      if (failures.length >= (options.maxFailures ?? 10)) return result(n + 1)
    } else if (outcome !== undefined) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    if ((n + 1) % heapEvery === 0 && n + 1 > warmup) {
      gc()
      heap.push({ index: n + 1, bytes: process.memoryUsage().heapUsed })
    }
    if (options.progress !== undefined && (n + 1) % every === 0) options.progress(n + 1, result(n + 1))
  }
  return result(count)
}

/** Heap drift: last sample vs. the mean of the first three post-warm-up samples. */
export const heapDrift = (r: RunResult): { base: number; last: number; max: number; drift: number } | undefined => {
  if (r.heap.length < 2) return undefined
  const first = r.heap.slice(0, 3)
  const base = first.reduce((a, s) => a + s.bytes, 0) / first.length
  const last = r.heap[r.heap.length - 1]!.bytes
  const max = r.heap.reduce((a, s) => Math.max(a, s.bytes), 0)
  return { base, last, max, drift: (last - base) / base }
}
