/**
 * Category A, permessage-deflate abuse (RFC 7692): a decompression bomb, corrupt DEFLATE data,
 * compressed text that is not UTF-8, and RSV1 where §6.1 forbids it. Close codes are those
 * wspipe documents (docs/deflate-engine.md, "Decisions"): too big after inflating 1009, data
 * inconsistent with its negotiated encoding 1007 (RFC 6455 §7.4.1), a frame-level protocol
 * error 1002. The runner then checks that the server still serves a fresh connection.
 */
import * as zlib from "node:zlib"
import type { RawClient } from "../raw-client.js"
import type { Ctx } from "../scenario.js"
import { DEFAULT_OFFER } from "../pmd/offer.js"
import { connectDeflate, DeflateSession, RSV1 } from "../pmd/session.js"
import { Op, scenarioCase, sendFrames } from "./common.js"

/** Connects with Autobahn's default offer; a case that needs compression fails when it is declined. */
const deflateConnect = async (ctx: Ctx): Promise<{ c: RawClient; session: DeflateSession }> => {
  const session = new DeflateSession([DEFAULT_OFFER])
  const c = await connectDeflate(ctx, session)
  if (session.answerProblem !== undefined) throw new Error(session.answerProblem)
  if (session.agreement === undefined) throw new Error("server declined permessage-deflate; this case needs it")
  return { c, session }
}

/** A scenario on a deflate connection; `send` gets the session to compress with. */
const onDeflate = (send: (c: RawClient, session: DeflateSession, ctx: Ctx) => Promise<void>) => {
  let session: DeflateSession | undefined
  return {
    connect: async (ctx: Ctx) => {
      const r = await deflateConnect(ctx)
      session = r.session
      return r.c
    },
    send: (c: RawClient, ctx: Ctx) => send(c, session!, ctx)
  }
}

/** DEFLATE block header bits 1 (BFINAL) + 11 (BTYPE reserved): "invalid block type" (RFC 1951 §3.2.3). */
const CORRUPT_DEFLATE = Buffer.from([0x07, 0x12, 0x34, 0x56, 0x78])

export const compressionAbuseCases = [
  scenarioCase(
    "A.10",
    "Decompression bomb: one compressed binary message that inflates to the server's max message size + 1 MiB of zeros (about 17 KiB on the wire at level 9).",
    "Connection failed with 1009 (message too big, RFC 6455 §7.4.1) without inflating it all; the server stays alive for others.",
    (ctx) => ({
      ...onDeflate(async (c) => {
        const zeros = Buffer.alloc(ctx.maxMessageSize + 1024 * 1024)
        const deflated = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH })
        await sendFrames(c, [{ opcode: Op.binary, rsv: RSV1, payload: deflated.subarray(0, deflated.length - 4) }])
      }),
      ok: [],
      closeBy: "server",
      codes: [1009]
    }),
    30_000
  ),
  scenarioCase(
    "A.11",
    "A compressed text message (RSV1) whose payload is corrupt DEFLATE data (a block of the reserved type 11).",
    "Connection failed with 1007 (wspipe documents 1007: the frames are valid, the payload is inconsistent with its negotiated encoding; RFC 6455 §7.4.1).",
    {
      ...onDeflate(async (c) => sendFrames(c, [{ opcode: Op.text, rsv: RSV1, payload: CORRUPT_DEFLATE }])),
      ok: [],
      closeBy: "server",
      codes: [1007]
    }
  ),
  scenarioCase(
    "A.12",
    "A compressed text message that inflates to invalid UTF-8 (0xFF in the middle of ASCII).",
    "Connection failed with 1007 (RFC 6455 §8.1: text MUST be UTF-8, checked on the inflated data).",
    {
      ...onDeflate(async (c, s) =>
        sendFrames(c, s.compressedFrames(Op.text, Buffer.concat([Buffer.from("valid "), Buffer.from([0xff]), Buffer.from(" tail")])).frames)
      ),
      ok: [],
      closeBy: "server",
      codes: [1007]
    }
  ),
  scenarioCase(
    "A.13",
    "A compressed text message in two frames, RSV1 set on the continuation frame as well as on the first.",
    "Connection failed with 1002 (RFC 7692 §6.1: RSV1 is set on the first frame only; a continuation frame with it is a protocol error).",
    {
      ...onDeflate(async (c, s) => {
        const { frames } = s.compressedFrames(Op.text, Buffer.from("Hello, compressed world! ".repeat(8)), 4)
        await sendFrames(
          c,
          frames.map((f, i) => (i === 1 ? { ...f, rsv: RSV1 } : f))
        )
      }),
      ok: [],
      closeBy: "server"
    }
  ),
  scenarioCase(
    "A.14",
    "On a connection that agreed permessage-deflate, a Ping with RSV1 set.",
    "Connection failed with 1002, no Pong (RFC 7692 §6.1: an endpoint MUST NOT set RSV1 on control frames).",
    {
      ...onDeflate(async (c) => sendFrames(c, [{ opcode: Op.ping, rsv: RSV1, payload: "compressed?" }])),
      ok: [],
      closeBy: "server"
    }
  ),
  scenarioCase(
    "A.15",
    "Without offering permessage-deflate, a validly compressed text message with RSV1 set.",
    "Connection failed with 1002 (RFC 6455 §5.2: RSV1 without a negotiated extension that defines it).",
    {
      send: async (c) => {
        const deflated = zlib.deflateRawSync(Buffer.from("Hello, Hello, Hello"), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
        await sendFrames(c, [{ opcode: Op.text, rsv: RSV1, payload: deflated.subarray(0, deflated.length - 4) }])
      },
      ok: [],
      closeBy: "server"
    }
  )
]
