/**
 * Category A (abuse and robustness), which Autobahn lacks: invalid masking and lengths, size
 * limits, resource exhaustion attempts and dirty disconnects. After each case the runner also
 * checks that the server still accepts and echoes on a fresh connection.
 */
import { encodeFrame, encodeHeader } from "@wspipe/test-frames"
import { sleep, type RawClient } from "../raw-client.js"
import { binary, failed, ok, text, type Case, type Ctx, type Verdict } from "../scenario.js"
import { Op, scenarioCase, sendFrames } from "./common.js"

/** Writes `header` then `total` payload bytes in 1 MiB chunks (honouring backpressure) until the server closes. */
const streamPayload = async (c: RawClient, header: Buffer, total: number): Promise<number> => {
  c.write(header)
  const chunk = Buffer.alloc(1024 * 1024) // masked with the key in `header`: contents do not matter (binary)
  let sent = 0
  while (sent < total && c.closeFrame === undefined && !c.closed) {
    const n = Math.min(chunk.length, total - sent)
    if (!c.socket.write(chunk.subarray(0, n))) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000)
        c.socket.once("drain", () => {
          clearTimeout(t)
          r()
        })
      })
    }
    sent += n
    await sleep(0)
  }
  return sent
}

const all = async (n: number, f: (i: number) => Promise<string | undefined>): Promise<Verdict> => {
  const res = await Promise.all(Array.from({ length: n }, (_, i) => f(i).catch((e: Error) => e.message)))
  const bad = res.map((r, i) => [i, r] as const).filter(([, r]) => r !== undefined)
  return bad.length === 0 ? ok() : failed(`${bad.length}/${n} connections failed, e.g. #${bad[0]![0]}: ${bad[0]![1]}`)
}

export const abuseCases: Case[] = [
  scenarioCase(
    "A.1",
    "Send an unmasked text frame.",
    "Connection failed with 1002 (§5.1: the server MUST close the connection upon an unmasked frame; §7.4.1).",
    {
      send: (c) => sendFrames(c, [{ opcode: Op.text, payload: "unmasked", mask: false }]),
      ok: [],
      closeBy: "server"
    }
  ),
  scenarioCase("A.2", "Send an unmasked Ping.", "Connection failed with 1002, no Pong (§5.1).", {
    send: (c) => sendFrames(c, [{ opcode: Op.ping, payload: "unmasked", mask: false }]),
    ok: [],
    closeBy: "server"
  }),
  scenarioCase(
    "A.3",
    "Send a frame whose 64-bit length has the most significant bit set (2^63).",
    "Connection failed with 1002 (§5.2: the MSB MUST be 0).",
    {
      send: (c) => void c.write(Buffer.concat([encodeHeader({ opcode: Op.binary, length: 2n ** 63n }, 0).header, Buffer.alloc(16)])),
      ok: [],
      closeBy: "server"
    }
  ),
  scenarioCase(
    "A.4",
    "Send a frame header claiming 2^62 bytes, then 1 KiB.",
    "Connection failed with 1009 right away, without buffering or waiting for the payload (§7.4.1: message too big).",
    {
      send: (c) => void c.write(Buffer.concat([encodeHeader({ opcode: Op.binary, length: 2n ** 62n }, 0).header, Buffer.alloc(1024)])),
      ok: [],
      closeBy: "server",
      codes: [1009]
    }
  ),
  scenarioCase(
    "A.5",
    "Send a fragmented binary message whose total exceeds the server's max message size by 1 byte (first fragment max/2, second fragment max/2+1, streamed).",
    "Connection failed with 1009 before the whole message was received; the server stays alive (the runner checks).",
    (ctx) => ({
      send: async (c) => {
        const half = Math.floor(ctx.maxMessageSize / 2)
        await streamPayload(c, encodeHeader({ opcode: Op.binary, fin: false, mask: Buffer.alloc(4) }, half).header, half)
        if (c.closeFrame || c.closed) return
        const rest = ctx.maxMessageSize - half + 1
        await streamPayload(c, encodeHeader({ opcode: Op.cont, fin: true, mask: Buffer.alloc(4) }, rest).header, rest)
      },
      ok: [],
      closeBy: "server",
      codes: [1009]
    }),
    60_000
  ),
  scenarioCase("A.6", "Send frames masked with the all-zero key (legal: the key is random, not non-zero).", "Both messages are echoed.", {
    send: (c) =>
      sendFrames(c, [
        { opcode: Op.text, payload: "zero key", mask: Buffer.alloc(4) },
        { opcode: Op.binary, payload: Buffer.from([0, 1, 2]), mask: Buffer.alloc(4) }
      ]),
    ok: [text("zero key"), binary(Buffer.from([0, 1, 2]))],
    closeBy: "client"
  }),
  {
    id: "A.7",
    description: "Hold 50 half-finished handshakes open (request line and Host only), then serve 5 new clients.",
    expectation: "The new clients are upgraded and echoed while the half-finished ones wait; none of those gets a 101.",
    timeoutMs: 30_000,
    run: async (ctx: Ctx) => {
      const half = await Promise.all(Array.from({ length: 50 }, () => ctx.open()))
      for (const h of half) h.write(Buffer.from(`GET ${ctx.addr.path} HTTP/1.1\r\nHost: ${ctx.addr.host}\r\nUpgr`, "latin1"))
      await sleep(50)
      const v = await all(5, async (i) => (await ctx.connect()).echoAndClose(`served ${i}`, ctx.timeoutMs))
      const upgraded = half.filter((h) => h.response?.status === 101).length
      for (const h of half) h.destroy()
      return upgraded > 0 ? failed(`${upgraded} half-finished handshakes got a 101`) : v
    }
  },
  {
    id: "A.8",
    description: "Open 500 connections at the same time; each sends a message, expects the echo and closes cleanly.",
    expectation: "All 500 are echoed and closed cleanly.",
    timeoutMs: 60_000,
    run: (ctx: Ctx) => all(500, async (i) => (await ctx.connect({ timeoutMs: 20_000 })).echoAndClose(`conn ${i}`, 20_000))
  },
  {
    id: "A.9",
    description: "Three clients connected; a fourth sends half of a frame and then resets TCP (RST); the three carry on.",
    expectation: "The three others are echoed and closed cleanly; a reset must not affect other connections.",
    timeoutMs: 30_000,
    run: async (ctx: Ctx) => {
      const others = await Promise.all([0, 1, 2].map(() => ctx.connect()))
      const victim = await ctx.connect()
      const frame = encodeFrame({ opcode: Op.binary, payload: Buffer.alloc(1000, 1) })
      victim.write(frame.subarray(0, 300))
      await sleep(30)
      victim.reset()
      await sleep(30)
      return all(3, (i) => others[i]!.echoAndClose(`still here ${i}`, ctx.timeoutMs))
    }
  }
]
