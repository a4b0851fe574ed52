/**
 * Fuzz input generators for the frame parser: valid message streams (the differential oracle knows
 * exactly what they decode to), mutations of them, frames with random header fields and random
 * length claims, pure noise, and random chunkings. Everything is driven by a seeded {@link Rng}.
 */
import { closePayload, frame } from "@wspipe/test-frames"
import type { Rng } from "./lib/rng.js"

export type Role = "server" | "client"

/** What a valid stream must decode to, in order. */
export type Expected =
  | { readonly type: "text" | "binary"; readonly data: Uint8Array }
  | { readonly type: "ping" | "pong"; readonly data: Uint8Array }
  | { readonly type: "close"; readonly code: number; readonly reason: string }

/** Random valid UTF-8: ASCII mostly, plus 2/3/4-byte sequences (no surrogates, ≤ U+10FFFF). */
export const randomUtf8 = (rng: Rng, n: number): Uint8Array => {
  const out = new Uint8Array(n)
  let i = 0
  while (i < n) {
    const r = rng.int(10)
    const room = n - i
    if (r < 6 || room < 2) out[i++] = rng.int(0x80)
    else if (r < 8 || room < 3) {
      const cp = rng.range(0x80, 0x7ff)
      out[i++] = 0xc0 | (cp >> 6)
      out[i++] = 0x80 | (cp & 0x3f)
    } else if (r < 9 || room < 4) {
      let cp = rng.range(0x800, 0xffff)
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000 + (cp & 0x7ff)
      out[i++] = 0xe0 | (cp >> 12)
      out[i++] = 0x80 | ((cp >> 6) & 0x3f)
      out[i++] = 0x80 | (cp & 0x3f)
    } else {
      const cp = rng.range(0x10000, 0x10ffff)
      out[i++] = 0xf0 | (cp >> 18)
      out[i++] = 0x80 | ((cp >> 12) & 0x3f)
      out[i++] = 0x80 | ((cp >> 6) & 0x3f)
      out[i++] = 0x80 | (cp & 0x3f)
    }
  }
  return out
}

/** Invalid UTF-8 snippets (overlong, surrogate, > U+10FFFF, stray continuation, bad lead, truncated). */
const BAD_UTF8: ReadonlyArray<ReadonlyArray<number>> = [
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0x80],
  [0xbf],
  [0xfe],
  [0xff],
  [0xc2],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xf8, 0x88, 0x80, 0x80, 0x80]
]

/** Valid UTF-8 with one invalid snippet spliced in somewhere. */
export const badUtf8 = (rng: Rng, n: number): Uint8Array => {
  const good = randomUtf8(rng, n)
  const bad = rng.pick(BAD_UTF8)
  // Splice at a code point boundary so the snippet itself is what breaks the text.
  let at = rng.int(good.length + 1)
  while (at < good.length && (good[at]! & 0xc0) === 0x80) at++
  const out = new Uint8Array(good.length + bad.length)
  out.set(good.subarray(0, at), 0)
  out.set(bad, at)
  out.set(good.subarray(at), at + bad.length)
  return out
}

const VALID_CLOSE = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]

/**
 * A valid frame stream for `role` (server role = masked frames from a client) and what it decodes
 * to. Messages are text or binary, sometimes fragmented (continuations may carry 0 bytes and may
 * split UTF-8 sequences), with pings/pongs interleaved even between fragments, sometimes ending
 * with a Close. Sizes stay within `maxMessage`.
 */
export const validStream = (
  rng: Rng,
  role: Role,
  maxMessage: number,
  maxFrame = maxMessage
): { bytes: Uint8Array; expected: Expected[] } => {
  const frames: Uint8Array[] = []
  const expected: Expected[] = []
  // Masks come from the seeded rng (not crypto) so every input is reproducible.
  const mk = (): Uint8Array | false => (role === "server" ? rng.bytes(4) : false)
  const control = (): void => {
    const ping = rng.chance(0.5)
    const data = rng.bytes(Math.min(maxFrame, rng.chance(0.9) ? rng.int(16) : rng.int(126)))
    frames.push(frame(ping ? 9 : 10, data, { mask: mk(), lengthForm: 7 }))
    expected.push({ type: ping ? "ping" : "pong", data })
  }
  const count = rng.chance(0.05) ? rng.range(0, 20) : rng.range(1, 5)
  let budget = 96 * 1024 // bytes per input, to keep throughput up
  for (let m = 0; m < count && budget > 0; m++) {
    if (rng.chance(0.15)) {
      control()
      continue
    }
    const text = rng.chance(0.5)
    const size = Math.min(rng.length(maxMessage), budget)
    budget -= size
    const data = text ? randomUtf8(rng, size) : rng.bytes(size)
    const opcode = text ? 1 : 2
    const form = (): 7 | 16 | 64 | undefined => (rng.chance(0.9) ? undefined : rng.pick([16, 64] as const))
    if (size > maxFrame || rng.chance(0.25)) {
      // Fragments of at most maxFrame bytes each; 0-byte continuations allowed.
      const cuts = [0]
      const want = rng.range(2, 6)
      let at = 0
      while (at < size || cuts.length < want) {
        const step = Math.min(maxFrame, size - at, rng.int(Math.ceil(size / (want - 1)) + 1))
        at += step
        cuts.push(at)
        if (cuts.length > 20_000) break
      }
      const pieces = cuts.length - 1
      for (let k = 0; k < pieces; k++) {
        const part = data.subarray(cuts[k], cuts[k + 1])
        frames.push(frame(k === 0 ? opcode : 0, part, { fin: k === pieces - 1, mask: mk(), lengthForm: form() }))
        if (k < pieces - 1 && rng.chance(0.1)) control()
      }
    } else frames.push(frame(opcode, data, { mask: mk(), lengthForm: form() }))
    expected.push({ type: text ? "text" : "binary", data })
  }
  if (rng.chance(0.2)) {
    if (rng.chance(0.2) || maxFrame < 22) {
      frames.push(frame(8, new Uint8Array(0), { mask: mk() }))
      expected.push({ type: "close", code: 1005, reason: "" })
    } else {
      const code = rng.pick(VALID_CLOSE)
      const reason = new TextDecoder().decode(randomUtf8(rng, rng.int(20)))
      frames.push(frame(8, closePayload(code, reason), { mask: mk() }))
      expected.push({ type: "close", code, reason })
    }
  }
  return { bytes: concat(frames), expected }
}

export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Length claims that stress the 7/16/64-bit length paths and the limits. */
const claim = (rng: Rng): number =>
  rng.pick([
    0,
    1,
    125,
    126,
    127,
    65535,
    65536,
    1 << 20,
    16 * 1024 * 1024,
    16 * 1024 * 1024 + 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53 - 1,
    rng.int(200),
    rng.int(70_000),
    rng.u32(),
    rng.u32() * 2 ** 20
  ])

/** Frames with random FIN/RSV/opcode/mask bits and length forms; payloads random or UTF-8-ish. */
export const randomFrames = (rng: Rng, role: Role): Uint8Array => {
  const parts: Uint8Array[] = []
  const n = rng.range(1, 8)
  for (let i = 0; i < n; i++) {
    const opcode = rng.chance(0.7) ? rng.pick([0, 1, 2, 8, 9, 10]) : rng.int(16)
    const size = rng.length(4096)
    const payload = rng.chance(0.2) ? badUtf8(rng, size) : rng.chance(0.5) ? randomUtf8(rng, size) : rng.bytes(size)
    const masked = rng.chance(0.9) ? role === "server" : role !== "server"
    const lie = rng.chance(0.15)
    parts.push(
      frame(opcode, payload, {
        fin: rng.chance(0.75),
        rsv: rng.chance(0.9) ? 0 : rng.int(8) << 4,
        mask: masked ? rng.bytes(4) : false,
        lengthForm: rng.chance(0.8) ? undefined : rng.pick([7, 16, 64] as const),
        ...(lie ? { length: claim(rng) } : {})
      })
    )
  }
  return concat(parts)
}

/** 1–6 random mutations: bit flips, byte sets, inserts, deletes, truncation, header rewrites. */
export const mutate = (rng: Rng, input: Uint8Array): Uint8Array => {
  let b = input
  const count = rng.range(1, 6)
  for (let k = 0; k < count; k++) {
    const at = rng.int(b.length + 1)
    switch (rng.int(9)) {
      case 0: // flip a bit
        if (b.length > 0) b[Math.min(at, b.length - 1)]! ^= 1 << rng.int(8)
        break
      case 1: // set a byte
        if (b.length > 0) b[Math.min(at, b.length - 1)] = rng.u32()
        break
      case 2: {
        // insert random bytes
        const ins = rng.bytes(rng.range(1, 16))
        b = concat([b.subarray(0, at), ins, b.subarray(at)])
        break
      }
      case 3: {
        // delete a range
        const len = rng.range(1, 32)
        b = concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))])
        break
      }
      case 4: // truncate
        b = b.subarray(0, at)
        break
      case 5: {
        // duplicate a range
        const len = rng.range(1, 64)
        b = concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)])
        break
      }
      case 6: // rewrite the first header byte: FIN/RSV/opcode
        if (b.length > 0) b[0] = rng.u32()
        break
      case 7: // flip the mask bit of the first frame
        if (b.length > 1) b[1]! ^= 0x80
        break
      default: {
        // a new header with a random length claim in front
        const head = frame(rng.pick([0, 1, 2, 8, 9, 10]), new Uint8Array(0), {
          length: claim(rng),
          mask: rng.chance(0.5) ? rng.bytes(4) : false,
          lengthForm: rng.pick([7, 16, 64] as const)
        })
        b = concat([b.subarray(0, at), head, b.subarray(at)])
      }
    }
  }
  return b
}

/** Chunk boundaries: one chunk, 1-byte chunks, tiny, random, or header-splitting sizes. */
export const chunkSizes = (rng: Rng, length: number): number[] => {
  const sizes: number[] = []
  const mode = rng.int(6)
  if (mode === 0 || length === 0) return [length]
  let left = length
  // 1-byte chunks for the first 256 (or 32) bytes, then the rest in one chunk, to keep speed.
  const oneByte = mode === 1 ? Math.min(left, 256) : mode === 2 ? Math.min(left, 32) : 0
  for (let i = 0; i < oneByte; i++) sizes.push(1)
  left -= oneByte
  // Tiny random chunks only for inputs up to 8 KiB (a chunk per ~8 bytes is plenty there).
  const m = (mode === 3 || mode === 5) && left > 8192 ? 4 : mode
  while (left > 0) {
    const s = m <= 2 ? left : m === 3 ? rng.range(1, 16) : m === 4 ? rng.range(1, 2048) : rng.range(1, 14)
    const take = Math.min(s, left)
    sizes.push(take)
    left -= take
  }
  return sizes.filter((s) => s > 0)
}
