/** Shared helpers for the case tables. */
import { encodeFrame, type FrameSpec } from "@wspipe/test-frames"
import { sleep, type RawClient } from "../raw-client.js"
import { runScenario, type Case, type Ctx, type Scenario } from "../scenario.js"

export const Op = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

/** How a list of frames is written: one TCP write, one write per frame, or one write per byte. */
export type Chop = "one" | "frames" | "octets"

export const sendFrames = async (c: RawClient, frames: readonly FrameSpec[], chop: Chop = "one"): Promise<void> => {
  const bytes = frames.map(encodeFrame)
  for (const f of frames) if (f.opcode === Op.close && c.closeSentAt === undefined) c.closeSentAt = c.now()
  if (chop === "one") {
    c.write(Buffer.concat(bytes))
  } else if (chop === "octets") {
    await c.writeChopped(Buffer.concat(bytes), 1)
  } else {
    for (const b of bytes) {
      if (c.closeFrame !== undefined || !c.write(b)) return
      await sleep(1)
    }
  }
}

export const scenarioCase = (
  id: string,
  description: string,
  expectation: string,
  scenario: Scenario | ((ctx: Ctx) => Scenario),
  timeoutMs?: number
): Case => ({
  id,
  description,
  expectation,
  ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  run: (ctx) => runScenario(ctx, typeof scenario === "function" ? scenario(ctx) : scenario)
})

export const star = (n: number): Buffer => Buffer.alloc(n, "*")
export const fe = (n: number): Buffer => Buffer.alloc(n, 0xfe)
