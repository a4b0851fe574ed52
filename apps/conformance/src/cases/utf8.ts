/**
 * Category 6 (UTF-8 handling), after Autobahn 6.1.1-6.23.7. RFC 6455 §8.1: "When an endpoint is
 * to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid
 * UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_" with 1007 (§7.4.1).
 * 6.4.x are fail-fast: the server must fail at the first invalid byte, before the rest of the
 * frame/message has been sent.
 */
import { encodeFrame, encodeHeader, maskInPlace } from "@wspipe/test-frames"
import { marker, text, type Case, type Ctx, type Scenario } from "../scenario.js"
import { Op, scenarioCase, sendFrames } from "./common.js"
import { KOSME, UTF8_GROUPS } from "./utf8-data.js"

const echoes = (payload: Buffer, frames: Buffer[]): Scenario => ({
  send: (c) =>
    sendFrames(
      c,
      frames.map((p, i) => ({ opcode: i === 0 ? Op.text : Op.cont, payload: p, fin: i === frames.length - 1 }))
    ),
  ok: [text(payload)],
  closeBy: "client"
})
const fails = (frames: Buffer[]): Scenario => ({
  send: (c) =>
    sendFrames(
      c,
      frames.map((p, i) => ({ opcode: i === 0 ? Op.text : Op.cont, payload: p, fin: i === frames.length - 1 }))
    ),
  ok: [],
  closeBy: "server",
  codes: [1007]
})
const bytes = (b: Buffer): Buffer[] => Array.from(b, (x) => Buffer.from([x]))

const HELLO_UTF8 = Buffer.from("Hello-µ@ßöäüàá-UTF-8!!", "utf8")
const INVALID = Buffer.concat([KOSME, Buffer.from("eda080", "hex"), Buffer.from("edited")])

const cases: Case[] = [
  scenarioCase(
    "6.1.1",
    "Send text message of length 0.",
    "A message is echo'ed back to us (with empty payload).",
    echoes(Buffer.alloc(0), [Buffer.alloc(0)])
  ),
  scenarioCase(
    "6.1.2",
    "Send fragmented text message, 3 fragments each of length 0.",
    "A message is echo'ed back to us (with empty payload).",
    echoes(Buffer.alloc(0), [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)])
  ),
  scenarioCase(
    "6.1.3",
    "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.",
    "A message is echo'ed back to us (with payload = payload of middle fragment).",
    echoes(Buffer.from("middle frame payload"), [Buffer.alloc(0), Buffer.from("middle frame payload"), Buffer.alloc(0)])
  ),
  scenarioCase(
    "6.2.1",
    "Send a valid UTF-8 text message in one fragment.",
    "The message is echo'ed back to us.",
    echoes(HELLO_UTF8, [HELLO_UTF8])
  ),
  scenarioCase(
    "6.2.2",
    "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.",
    "The message is echo'ed back to us.",
    echoes(HELLO_UTF8, [HELLO_UTF8.subarray(0, 13), HELLO_UTF8.subarray(13)])
  ),
  scenarioCase(
    "6.2.3",
    "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.",
    "The message is echo'ed back to us.",
    echoes(HELLO_UTF8, bytes(HELLO_UTF8))
  ),
  scenarioCase(
    "6.2.4",
    "Send a valid UTF-8 text message (κόσμε) in fragments of 1 octet.",
    "The message is echo'ed back to us.",
    echoes(KOSME, bytes(KOSME))
  ),
  scenarioCase(
    "6.3.1",
    "Send invalid UTF-8 text message unfragmented.",
    "The connection is failed immediately with 1007.",
    fails([INVALID])
  ),
  scenarioCase(
    "6.3.2",
    "Send invalid UTF-8 text message in fragments of 1 octet.",
    "The connection is failed immediately with 1007.",
    fails(bytes(INVALID))
  )
]

// 6.4.x: fail-fast. PART2 makes the sequence invalid: F4 90 80 80 encodes 0x110000 (> U+10FFFF).
const P1 = KOSME
const P2 = Buffer.from("f4908080", "hex")
const P3 = Buffer.from("edited")
const WHOLE = Buffer.concat([P1, P2, P3])

const failFast =
  (parts: Buffer[], asFrames: boolean) =>
  (ctx: Ctx): Scenario => ({
    send: async (c) => {
      let pieces: Buffer[]
      if (asFrames) {
        pieces = parts.map((p, i) => encodeFrame({ opcode: i === 0 ? Op.text : Op.cont, payload: p, fin: i === parts.length - 1 }))
      } else {
        // One frame whose header announces the whole payload; the payload arrives in 3 chops.
        const { header, key } = encodeHeader({ opcode: Op.text }, WHOLE.length)
        const masked = maskInPlace(Buffer.from(WHOLE), key!)
        let off = 0
        pieces = parts.map((p, i) => {
          const piece = masked.subarray(off, off + p.length)
          off += p.length
          return i === 0 ? Buffer.concat([header, piece]) : piece
        })
      }
      for (let i = 0; i < pieces.length; i++) {
        if (c.closeFrame !== undefined || c.closed) return
        c.write(pieces[i]!)
        if (i < pieces.length - 1) {
          if (await c.waitUntil(() => c.closeFrame !== undefined || c.closed, ctx.failFastMs)) return
          c.mark(i === 0 ? "A" : "B")
        }
      }
    },
    ok: [marker("A")],
    nonStrict: [marker("A"), marker("B")],
    closeBy: "server",
    codes: [1007]
  })

const ffExpect = (what: string) =>
  `The first ${what} is accepted (no reaction within the wait A); right after the 2nd ${what} (which makes the sequence invalid) the connection is failed with 1007 before we send the 3rd (fail fast). Failing only after the 3rd is NON-STRICT.`
cases.push(
  scenarioCase(
    "6.4.1",
    "Send invalid UTF-8 text message in 3 fragments (frames): valid κόσμε, then F4908080 (U+110000, out of range), then 'edited', waiting between them.",
    ffExpect("frame"),
    failFast([P1, P2, P3], true)
  ),
  scenarioCase(
    "6.4.2",
    "Send invalid UTF-8 text message in 3 fragments (frames): the 2nd fragment is the single byte (0x90) that makes the sequence invalid.",
    ffExpect("frame"),
    failFast([WHOLE.subarray(0, 12), WHOLE.subarray(12, 13), WHOLE.subarray(13)], true)
  ),
  scenarioCase("6.4.3", "Same as 6.4.1, but the message is one frame sent in 3 chops.", ffExpect("chop"), failFast([P1, P2, P3], false)),
  scenarioCase(
    "6.4.4",
    "Same as 6.4.2, but the message is one frame sent in 3 chops.",
    ffExpect("chop"),
    failFast([WHOLE.subarray(0, 12), WHOLE.subarray(12, 13), WHOLE.subarray(13)], false)
  )
)

UTF8_GROUPS.forEach((g, gi) => {
  g.items.forEach(([valid, payload], j) => {
    cases.push(
      scenarioCase(
        `6.${gi + 5}.${j + 1}`,
        `${g.title}: send a text message with payload which is ${valid ? "valid" : "not valid"} UTF-8 in one fragment. Payload: 0x${payload.toString("hex")}`,
        valid
          ? "The message is echo'ed back to us."
          : "The connection is failed immediately with 1007, since the payload is not valid UTF-8.",
        valid ? echoes(payload, [payload]) : fails([payload])
      )
    )
  })
})

export const utf8Cases = cases
