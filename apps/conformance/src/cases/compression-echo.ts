/**
 * The echo scenario shared by categories 12 and 13 (Autobahn's case12_x_x): offer
 * permessage-deflate, check the answer (RFC 7692 §7.1), then send compressed messages one at a
 * time, each auto-fragmented like Autobahn's, and check every echo: same kind, same payload after
 * inflating it with the server's agreed window and context rule, RSV1 on first frames only (§6.1),
 * and large compressible messages really coming back compressed. Then a clean close (1000).
 */
import { encodeFrame } from "@wspipe/test-frames"
import type { RawClient } from "../raw-client.js"
import { failed, ok, type Case, type Ctx, type Verdict } from "../scenario.js"
import { offerHeader, type DeflateOffer } from "../pmd/offer.js"
import { MessageCutter, type PayloadKind } from "../pmd/payloads.js"
import { connectDeflate, DeflateSession } from "../pmd/session.js"

/** Autobahn's MSG_SIZES: payload length, case timeout (s), auto-fragment size (0 = none). 1000 messages each. */
export const MESSAGE_SIZES: ReadonlyArray<readonly [length: number, timeoutS: number, fragment: number]> = [
  [16, 60, 0],
  [64, 60, 0],
  [256, 120, 0],
  [1024, 240, 0],
  [4096, 480, 0],
  [8192, 480, 0],
  [16384, 480, 0],
  [32768, 480, 0],
  [65536, 480, 0],
  [131072, 480, 0],
  [8192, 480, 256],
  [16384, 480, 256],
  [32768, 480, 256],
  [65536, 480, 256],
  [131072, 480, 256],
  [131072, 480, 1024],
  [131072, 480, 4096],
  [131072, 480, 32768]
]

export const FULL_COUNT = 1000
/** Messages per case in a scaled run (Autobahn sizes, fewer messages; --full sends 1000). */
export const SCALED_COUNT = 50

/**
 * A message this big whose DEFLATE is at most 90 % of it must come back compressed: not an RFC
 * rule (an endpoint may send any message uncompressed, §6), but what proves the server compresses
 * once it agreed to. Below it, a server's threshold may keep messages plain (wspipe: 1024 B).
 */
export const MUST_COMPRESS_AT = 4096

export interface EchoSpec {
  readonly offers: readonly DeflateOffer[]
  readonly payload: PayloadKind
  readonly length: number
  readonly fragment: number
  readonly count: number
  /** Bound for each echo. */
  readonly waitMs: number
}

const describeAnswer = (s: DeflateSession): string => `answer "${s.agreement?.answer ?? "-"}"`

/** Runs the echo scenario on a connected client; a problem string, or the OK detail. */
export const runEcho = async (c: RawClient, session: DeflateSession, spec: EchoSpec): Promise<Verdict> => {
  const cutter = new MessageCutter(spec.payload)
  const opcode = spec.payload.kind === "text" ? 1 : 2
  let sentWire = 0
  let mustCompress = 0
  let compressedEchoes = 0
  const plainBigEchoes: number[] = []
  for (let i = 0; i < spec.count; i++) {
    const data = cutter.next(spec.length)
    const { frames, compressedBytes } = session.compressedFrames(opcode, data, spec.fragment)
    sentWire += compressedBytes
    if (!c.write(Buffer.concat(frames.map(encodeFrame)))) return failed(`connection gone before message ${i + 1}`)
    await c.waitUntil(() => c.events.length > 0 || c.closed, spec.waitMs)
    const v = c.violations()
    if (v.length > 0) return failed(`message ${i + 1}: ${v.join("; ")}`)
    const ev = c.events[0]
    if (ev === undefined)
      return failed(`no echo of message ${i + 1}/${spec.count} within ${spec.waitMs} ms${c.closed ? " (connection closed)" : ""}`)
    if (ev.type === "close")
      return failed(`server closed (${ev.code ?? "no code"}${ev.reason ? ` "${ev.reason}"` : ""}) instead of echoing message ${i + 1}`)
    if (ev.type !== "message") return failed(`got a ${ev.type} instead of the echo of message ${i + 1}`)
    if (ev.kind !== spec.payload.kind) return failed(`echo of message ${i + 1} is ${ev.kind}, sent ${spec.payload.kind}`)
    if (!ev.data.equals(data)) {
      const at = ev.data.findIndex((b, k) => b !== data[k])
      return failed(
        `echo of message ${i + 1} differs: ${ev.data.length} B, sent ${data.length} B, first difference at ${at < 0 ? Math.min(ev.data.length, data.length) : at}`
      )
    }
    const how = session.received[session.received.length - 1]
    if (how?.compressed) compressedEchoes++
    if (data.length >= MUST_COMPRESS_AT && compressedBytes <= 0.9 * data.length) {
      mustCompress++
      if (!how?.compressed) plainBigEchoes.push(i + 1)
    }
    c.events.length = 0 // checked: keep memory flat over 1000 messages
    session.received.length = 0
  }
  c.sendClose(1000)
  await c.waitUntil(() => c.closeFrame !== undefined || c.closed, spec.waitMs)
  await c.waitTcpClose(spec.waitMs)
  const v = c.violations()
  if (v.length > 0) return failed(v.join("; "))
  if (c.closeFrame === undefined) return failed("no Close reply to our Close 1000 (RFC 6455 §5.5.1)")
  if (c.closeFrame.code !== undefined && c.closeFrame.code !== 1000) return failed(`Close reply ${c.closeFrame.code}, expected 1000`)
  if (!c.serverClosedTcp) return failed("server did not close TCP after the close handshake (RFC 6455 §7.1.1)")
  if (plainBigEchoes.length > 0) {
    return failed(
      `${plainBigEchoes.length}/${mustCompress} compressible messages of ≥ ${MUST_COMPRESS_AT} B came back uncompressed (e.g. #${plainBigEchoes[0]}): the server agreed to permessage-deflate but did not compress`
    )
  }
  return ok(
    `${spec.count} messages echoed; ${describeAnswer(session)}; sent ${sentWire} B compressed; ${compressedEchoes} echoes compressed`
  )
}

export const echoCase = (id: string, description: string, spec: Omit<EchoSpec, "count" | "waitMs">, timeoutS: number): Case => ({
  id,
  description,
  expectation: `A valid permessage-deflate answer to the offer (RFC 7692 §7.1); every message echoed with the payload as sent (inflated with the agreed window and context rule, §7.2.2), RSV1 on first frames only (§6.1), compressible messages of ≥ ${MUST_COMPRESS_AT} B echoed compressed; clean close 1000. Timeout after ${timeoutS} s.`,
  timeoutMs: timeoutS * 1000,
  run: async (ctx: Ctx) => {
    const session = new DeflateSession(spec.offers, { maxMessageSize: ctx.maxMessageSize })
    const c = await connectDeflate(ctx, session)
    if (session.answerProblem !== undefined) return failed(session.answerProblem)
    if (session.agreement === undefined) {
      c.sendClose(1000)
      return { outcome: "UNIMPLEMENTED", detail: `server declined permessage-deflate (offer "${offerHeader(spec.offers)}")` }
    }
    return runEcho(c, session, { ...spec, count: ctx.full ? FULL_COUNT : SCALED_COUNT, waitMs: Math.max(ctx.timeoutMs, 10_000) })
  }
})

/** "Send N compressed messages of …" for a case table row. */
export const echoDescription = (length: number, fragment: number, payload: PayloadKind, offers: readonly DeflateOffer[]): string =>
  `Send ${FULL_COUNT} (scaled run: ${SCALED_COUNT}) compressed ${payload.kind} messages of ${length} ${payload.kind === "text" ? "characters" : "bytes"} of ${payload.title}, one at a time, auto-fragmented to ${fragment || "no"} octets per frame; offer "${offerHeader(offers)}".`
