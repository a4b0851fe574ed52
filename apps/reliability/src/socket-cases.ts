/**
 * Cases for the socket fuzzer: one case = the bytes one connection sends (after its handshake),
 * how they are chunked and paused, and what the server must answer. The expected answer comes from
 * the intended class of the case (a bad UTF-8 text → 1007, a framing violation → 1002, a length
 * over the echo app's 16 MiB limit → 1009) checked against an oracle: the codec's Parser.FrameParser run
 * over the same bytes with the echo app's limits. The oracle also gives the messages and pongs
 * that must come back before the close.
 */
import { Parser, ProtocolError } from "@wspipe/codec"
import { closePayload, frame } from "@wspipe/test-frames"
import { badUtf8, chunkSizes, concat, mutate, randomUtf8, validStream, type Expected } from "./gen-frames.js"
import { mix } from "./fuzz-codec-core.js"
import { Rng } from "./lib/rng.js"

export const ECHO_LIMIT = 16 * 1024 * 1024

export type Intent = "valid" | "utf8" | "protocol" | "too-big" | "mutated"

export interface SocketCase {
  readonly index: number
  readonly intent: Intent
  /** A short name of the violation (for reports). */
  readonly what: string
  readonly bytes: Uint8Array
  readonly frames: number
  readonly sizes: number[]
  /** Pause (ms) before each chunk. */
  readonly pauses: number[]
  /** Oracle: messages/pongs the server must send back, then how it ends. */
  readonly echoes: Expected[]
  readonly pongs: Uint8Array[]
  /** error: the server must close with `code`; close: it must echo our Close; open: the stream is
   *  complete without a Close, so the runner sends Close 1000; incomplete: a frame is left
   *  half-sent, so the runner half-closes TCP and the server must end the connection. */
  readonly end: { type: "error"; code: number } | { type: "close"; code: number } | { type: "open" } | { type: "incomplete" }
}

const m = (rng: Rng) => rng.bytes(4)

/** One invalid frame (and the class it must be closed with). */
const violation = (rng: Rng): { what: string; bytes: Uint8Array; intent: Intent; frames: number } => {
  const p = (what: string, bytes: Uint8Array, frames = 1) => ({ what, bytes, intent: "protocol" as Intent, frames })
  const small = rng.bytes(rng.int(20))
  switch (rng.int(16)) {
    case 0:
      return p("reserved opcode", frame(rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), small, { mask: m(rng) }))
    case 1:
      return p("RSV bit", frame(rng.pick([1, 2]), small, { rsv: rng.pick([0x10, 0x20, 0x40, 0x70]), mask: m(rng) }))
    case 2:
      return p("unmasked frame", frame(rng.pick([1, 2, 9]), randomUtf8(rng, 10), { mask: false }))
    case 3:
      return p("control frame > 125", frame(rng.pick([8, 9, 10]), rng.bytes(rng.range(126, 300)), { mask: m(rng) }))
    case 4:
      return p("fragmented control", frame(rng.pick([8, 9, 10]), small, { fin: false, mask: m(rng) }))
    case 5:
      return p("continuation without a message", frame(0, small, { mask: m(rng) }))
    case 6:
      return p(
        "data frame inside a fragmented message",
        concat([frame(2, small, { fin: false, mask: m(rng) }), frame(rng.pick([1, 2]), small, { mask: m(rng) })]),
        2
      )
    case 7: {
      const f = frame(2, new Uint8Array(0), { mask: m(rng), lengthForm: 64 })
      f[2] = 0x80 | rng.int(128) // §5.2: the MSB of a 64-bit length must be 0
      return p("64-bit length with MSB set", f)
    }
    case 8:
      return p("1-byte close payload", frame(8, rng.bytes(1), { mask: m(rng) }))
    case 9:
      return p(
        "invalid close code",
        frame(8, closePayload(rng.pick([0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])), { mask: m(rng) })
      )
    case 10:
      return p("RSV on a control frame", frame(9, small, { rsv: 0x40, mask: m(rng) }))
    case 11: {
      const text = badUtf8(rng, rng.int(200))
      if (rng.chance(0.5) || text.length < 2)
        return { what: "invalid UTF-8 text", bytes: frame(1, text, { mask: m(rng) }), intent: "utf8", frames: 1 }
      const cut = rng.range(1, text.length - 1)
      return {
        what: "invalid UTF-8 across fragments",
        intent: "utf8",
        frames: 2,
        bytes: concat([frame(1, text.subarray(0, cut), { fin: false, mask: m(rng) }), frame(0, text.subarray(cut), { mask: m(rng) })])
      }
    }
    case 12: {
      const reason = badUtf8(rng, rng.int(40))
      const payload = concat([closePayload(1000), reason])
      return { what: "invalid UTF-8 close reason", intent: "utf8", frames: 1, bytes: frame(8, payload.subarray(0, 125), { mask: m(rng) }) }
    }
    case 13: {
      // A header claiming more than the 16 MiB frame limit: closed from the header alone (§10.4).
      const claim = rng.pick([ECHO_LIMIT + 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, ECHO_LIMIT + rng.int(2 ** 30)])
      return {
        what: "frame over the size limit",
        intent: "too-big",
        frames: 1,
        bytes: frame(rng.pick([1, 2]), new Uint8Array(0), { mask: m(rng), length: claim })
      }
    }
    case 14: {
      // A fragmented message whose fragments together exceed the message limit (16 MiB), each
      // fragment header small enough on its own; the second header crosses the line.
      const first = frame(2, new Uint8Array(0), { fin: false, mask: m(rng), length: 0 })
      const second = frame(0, new Uint8Array(0), { fin: false, mask: m(rng), length: ECHO_LIMIT + 1 })
      return { what: "message over the size limit", intent: "too-big", frames: 2, bytes: concat([first, second]) }
    }
    default:
      return p("ping with 126-byte 16-bit length", frame(9, rng.bytes(126), { mask: m(rng), lengthForm: 16 }))
  }
}

/** Builds case `index` of the run with `seed`. */
export const makeCase = (seed: number, index: number): SocketCase => {
  const rng = new Rng(mix(seed ^ 0x50c4e7, index))
  const r = rng.int(100)
  const intent0: Intent = r < 40 ? "valid" : r < 85 ? "protocol" : "mutated"
  const v = validStream(rng, "server", 70_000)
  // Drop the generator's own close (we add ours), keep its messages and pings/pongs.
  let body = v.bytes
  let frames = v.expected.length
  if (v.expected.length > 0 && v.expected[v.expected.length - 1]!.type === "close") {
    const closeBytes = lastFrameLength(v.bytes)
    body = v.bytes.subarray(0, v.bytes.length - closeBytes)
    frames--
  }
  let intent: Intent = intent0
  let what = "valid traffic, then Close"
  let bytes: Uint8Array
  if (intent0 === "valid") {
    const code = rng.pick([1000, 1001, 3000, 4999, 1011, -1])
    const close = frame(8, code < 0 ? new Uint8Array(0) : closePayload(code, "bye"), { mask: m(rng) })
    bytes = concat([body, close])
    frames++
  } else if (intent0 === "protocol") {
    const bad = violation(rng)
    intent = bad.intent
    what = bad.what
    // Trailing junk after the violation must be ignored by the server.
    bytes = concat([body, bad.bytes, rng.chance(0.3) ? rng.bytes(rng.int(64)) : new Uint8Array(0)])
    frames += bad.frames
  } else {
    what = "mutated stream"
    bytes = mutate(rng, Uint8Array.from(body))
  }
  const sizes = chunkSizes(rng, bytes.length).slice()
  // Merge tiny chunks past 64 so one connection does not make thousands of writes.
  while (sizes.length > 64) sizes.splice(32, 2, sizes[32]! + sizes[33]!)
  const pauses = sizes.map(() => (rng.chance(0.05) ? rng.range(1, 30) : 0))
  return { index, intent, what, bytes, frames: Math.max(1, frames), sizes, pauses, ...oracle(bytes) }
}

/** Length of the last frame of a well-formed masked stream (walks the headers). */
const lastFrameLength = (b: Uint8Array): number => {
  let p = 0
  let last = 0
  while (p < b.length) {
    let len = b[p + 1]! & 0x7f
    let h = 2
    if (len === 126) {
      len = (b[p + 2]! << 8) | b[p + 3]!
      h = 4
    } else if (len === 127) {
      len = Buffer.from(b.subarray(p + 2, p + 10)).readUInt32BE(4)
      h = 10
    }
    last = h + 4 + len
    p += last
  }
  return last
}

/** What the echo server must do with these bytes, per the codec with the echo app's limits. */
const oracle = (bytes: Uint8Array): Pick<SocketCase, "echoes" | "pongs" | "end"> => {
  const echoes: Expected[] = []
  const pongs: Uint8Array[] = []
  let close: number | undefined
  const parser = new Parser.FrameParser(
    {
      onMessage: (kind, data) => echoes.push({ type: kind, data: Uint8Array.from(data) }),
      onPing: (data) => pongs.push(Uint8Array.from(data)),
      onPong: () => {},
      onClose: (code) => {
        close = code
      }
    },
    { role: "server", maxFrameSize: ECHO_LIMIT, maxMessageSize: ECHO_LIMIT }
  )
  const error = parser.push(Uint8Array.from(bytes))
  if (error instanceof ProtocolError) return { echoes, pongs, end: { type: "error", code: error.code } }
  if (close !== undefined) return { echoes, pongs, end: { type: "close", code: close } }
  return { echoes, pongs, end: parser.idle ? { type: "open" } : { type: "incomplete" } }
}

export const INTENT_CODE: Record<Intent, number | undefined> = {
  valid: undefined,
  utf8: 1007,
  protocol: 1002,
  "too-big": 1009,
  mutated: undefined
}
