/**
 * Categories 9 (limits/performance) and 10 (auto-fragmentation), after Autobahn 9.1.1-9.8.6 and
 * 10.1.1. Message sizes are divided by SCALE unless --full (Autobahn's sizes, up to 16 MiB, which
 * fit under the server's max message size). Each case reports its duration.
 */
import { encodeFrame, repeatTo } from "@wspipe/test-frames"
import { binary, text, type Case, type Ctx, type Scenario } from "../scenario.js"
import { Op, fe, scenarioCase, sendFrames, star } from "./common.js"

const SCALE = 16
const KiB = 1024
const MiB = 1024 * 1024
const size = (ctx: Ctx, n: number) => (ctx.full ? n : Math.max(1, Math.floor(n / SCALE)))
const waitMs = (ctx: Ctx) => (ctx.full ? 100_000 : 10_000)
const CASE_TIMEOUT_MS = 130_000 // the runner's hard limit; scaled runs finish in well under a second each

const TEXT_PATTERN = "BAsd7&jh23"
const payloadOf = (isText: boolean, n: number) => (isText ? repeatTo(TEXT_PATTERN, n) : fe(n))
const expectOf = (isText: boolean) => (isText ? text : binary)
const kinds = [
  [true, "text", "Text"],
  [false, "binary", "Binary"]
] as const

const cases: Case[] = []
const add = (id: string, description: string, expectation: string, s: (ctx: Ctx) => Scenario) =>
  cases.push(scenarioCase(id, description, expectation, s, CASE_TIMEOUT_MS))

// 9.1 / 9.2: one message of increasing size.
const SIZES = [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB]
kinds.forEach(([isText, kind], k) => {
  SIZES.forEach((n, i) => {
    add(
      `9.${1 + k}.${i + 1}`,
      `Send ${kind} message with payload of length ${n} (${n / KiB} KiB; /${SCALE} unless --full).`,
      `Receive echo'ed ${kind} message (with payload as sent).`,
      (ctx) => {
        const p = payloadOf(isText, size(ctx, n))
        return {
          send: (c) => sendFrames(c, [{ opcode: isText ? Op.text : Op.binary, payload: p }]),
          ok: [expectOf(isText)(p)],
          closeBy: "client",
          waitMs: waitMs(ctx)
        }
      }
    )
  })
})

// 9.3 / 9.4: a 4 MiB message in fragments of increasing size.
const FRAGS = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB]
kinds.forEach(([isText, kind, _Kind], k) => {
  FRAGS.forEach((frag, i) => {
    add(
      `9.${3 + k}.${i + 1}`,
      `Send fragmented ${kind} message with payload of length 4 MiB (/${SCALE} unless --full), in fragments of ${frag}.`,
      `Receive echo'ed ${kind} message.`,
      (ctx) => {
        const p = isText ? star(size(ctx, 4 * MiB)) : fe(size(ctx, 4 * MiB))
        return {
          send: (c) => {
            const frames: Buffer[] = []
            for (let off = 0; off < p.length; off += frag) {
              const end = Math.min(p.length, off + frag)
              frames.push(
                encodeFrame({
                  opcode: off === 0 ? (isText ? Op.text : Op.binary) : Op.cont,
                  payload: p.subarray(off, end),
                  fin: end === p.length
                })
              )
            }
            c.write(Buffer.concat(frames))
          },
          ok: [expectOf(isText)(p)],
          closeBy: "client",
          waitMs: waitMs(ctx)
        }
      }
    )
  })
})

// 9.5 / 9.6: a 1 MiB message sent in chops of increasing size.
const CHOPS = [64, 128, 256, 512, 1024, 2048]
kinds.forEach(([isText, kind], k) => {
  CHOPS.forEach((chop, i) => {
    add(
      `9.${5 + k}.${i + 1}`,
      `Send ${kind} message with payload of length 1 MiB (/${SCALE} unless --full), sent out in chops of ${chop} octets.`,
      `Receive echo'ed ${kind} message.`,
      (ctx) => {
        const p = payloadOf(isText, size(ctx, MiB))
        return {
          send: (c) => c.sendFrameChopped({ opcode: isText ? Op.text : Op.binary, payload: p }, chop),
          ok: [expectOf(isText)(p)],
          closeBy: "client",
          waitMs: waitMs(ctx)
        }
      }
    )
  })
})

// 9.7 / 9.8: round trips, one message at a time (1000 messages, 200 unless --full).
const RTT = [0, 16, 64, 256, 1024, 4096]
kinds.forEach(([isText, kind], k) => {
  RTT.forEach((len, i) => {
    add(
      `9.${7 + k}.${i + 1}`,
      `Send 1000 ${kind} messages (200 unless --full) of payload size ${len}, one after the other, each after the previous echo.`,
      `Receive all echo'ed ${kind} messages in time.`,
      (ctx) => {
        const count = ctx.full ? 1000 : 200
        const p = isText ? star(len) : fe(len)
        const frame = { opcode: isText ? Op.text : Op.binary, payload: p }
        return {
          send: async (c) => {
            for (let n = 0; n < count; n++) {
              c.sendFrame(frame)
              if (!(await c.waitUntil(() => c.events.length > n || c.closed, ctx.timeoutMs))) return
            }
          },
          ok: Array.from({ length: count }, () => expectOf(isText)(p)),
          closeBy: "client",
          waitMs: waitMs(ctx)
        }
      }
    )
  })
})

// 10.1.1: what Autobahn calls auto-fragmentation (the fuzzer fragments its own message).
add(
  "10.1.1",
  "Send text message with payload of length 65536 auto-fragmented with autoFragmentSize = 1300.",
  "Receive echo'ed text message (with payload as sent). Clean close with normal code.",
  () => {
    const p = star(65536)
    return {
      send: (c) => {
        const frames: Buffer[] = []
        for (let off = 0; off < p.length; off += 1300) {
          const end = Math.min(p.length, off + 1300)
          frames.push(encodeFrame({ opcode: off === 0 ? Op.text : Op.cont, payload: p.subarray(off, end), fin: end === p.length }))
        }
        c.write(Buffer.concat(frames))
      },
      ok: [text(p)],
      closeBy: "client"
    }
  }
)

export const limitsCases = cases.filter((c) => c.id.startsWith("9."))
export const autoFragCases = cases.filter((c) => c.id.startsWith("10."))
