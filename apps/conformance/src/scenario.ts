/**
 * Case model and the Autobahn-style scenario executor.
 *
 * A scenario sends something, then either WE close (the server must answer with a clean close
 * handshake, RFC 6455 §7.1.2) or the SERVER must fail the connection (§7.1.7: send a Close frame
 * with an appropriate code, then close TCP). Events received before the server's Close frame are
 * compared with the OK list, then with the NON-STRICT list (Autobahn semantics). We are stricter
 * than Autobahn on the close: a missing Close frame, an empty close code when a code is expected,
 * or a server that does not close TCP itself are NON-STRICT; a wrong code is FAILED.
 */
import type { ServerEvent } from "@wspipe/test-frames"
import type { RawClient, ServerAddress } from "./raw-client.js"

export type Outcome = "OK" | "NON-STRICT" | "INFORMATIONAL" | "UNIMPLEMENTED" | "FAILED"

export interface Verdict {
  readonly outcome: Outcome
  readonly detail: string
}

export interface Ctx {
  readonly addr: ServerAddress
  readonly full: boolean
  readonly maxMessageSize: number
  /** Bound for every "wait for the server" step. */
  readonly timeoutMs: number
  /** How long we wait for a fail-fast reaction before sending the next part (Autobahn: 1 s). */
  readonly failFastMs: number
  connect(opts?: Parameters<typeof RawClient.connect>[1]): Promise<RawClient>
  open(): Promise<RawClient>
}

export interface Case {
  readonly id: string
  readonly description: string
  readonly expectation: string
  /** Hard limit for the whole case (the runner enforces it). */
  readonly timeoutMs?: number
  /** Skip the runner's after-case liveness check (cases that do not touch the server). */
  readonly noAliveCheck?: boolean
  run(ctx: Ctx): Promise<Verdict>
}

export type Expect =
  | { readonly type: "message"; readonly kind: "text" | "binary"; readonly data: Buffer }
  | { readonly type: "ping" | "pong"; readonly data: Buffer }
  | { readonly type: "marker"; readonly label: string }

const b = (d: Uint8Array | string): Buffer => (typeof d === "string" ? Buffer.from(d, "utf8") : Buffer.from(d))
export const text = (d: Uint8Array | string): Expect => ({ type: "message", kind: "text", data: b(d) })
export const binary = (d: Uint8Array | string): Expect => ({ type: "message", kind: "binary", data: b(d) })
export const pong = (d: Uint8Array | string = ""): Expect => ({ type: "pong", data: b(d) })
export const marker = (label: string): Expect => ({ type: "marker", label })

type Got = ServerEvent | { readonly type: "marker"; readonly label: string }

const same = (g: Got, e: Expect): boolean => {
  if (g.type === "marker" || e.type === "marker") return g.type === "marker" && e.type === "marker" && g.label === e.label
  if (g.type === "close" || g.type !== e.type) return false
  if (g.type === "message" && e.type === "message" && g.kind !== e.kind) return false
  return g.data.equals(e.data)
}

export const matches = (got: readonly Got[], exp: readonly Expect[]): boolean =>
  got.length === exp.length && got.every((g, i) => same(g, exp[i]!))

const preview = (d: Buffer): string => {
  const s = d.subarray(0, 24).toString("hex")
  return `${d.length}B${d.length ? ` 0x${s}${d.length > 24 ? "…" : ""}` : ""}`
}

export const describe = (evs: readonly (Got | Expect)[]): string =>
  "[" +
  evs
    .map((e) =>
      e.type === "marker"
        ? `wait(${e.label})`
        : e.type === "message"
          ? `${e.kind}(${preview(e.data)})`
          : e.type === "close"
            ? `close(${e.code ?? "-"})`
            : `${e.type}(${preview(e.data)})`
    )
    .join(", ") +
  "]"

const RANK: Record<Outcome, number> = { OK: 0, INFORMATIONAL: 1, UNIMPLEMENTED: 1, "NON-STRICT": 2, FAILED: 3 }

/** Worst of several verdicts; details of the non-OK ones are joined. */
export const worst = (vs: readonly Verdict[]): Verdict => {
  let outcome: Outcome = "OK"
  for (const v of vs) if (RANK[v.outcome] > RANK[outcome]) outcome = v.outcome
  const detail = vs
    .filter((v) => v.outcome !== "OK" && v.detail)
    .map((v) => v.detail)
    .join("; ")
  return { outcome, detail }
}

export const ok = (detail = ""): Verdict => ({ outcome: "OK", detail })
export const failed = (detail: string): Verdict => ({ outcome: "FAILED", detail })
export const nonStrict = (detail: string): Verdict => ({ outcome: "NON-STRICT", detail })

export interface Scenario {
  readonly send: (c: RawClient, ctx: Ctx) => Promise<void> | void
  readonly ok: readonly Expect[]
  readonly nonStrict?: readonly Expect[]
  /** "client": we (or send()) close and expect a close handshake; "server": the server must fail the connection. */
  readonly closeBy: "client" | "server"
  /** Close codes accepted from the server (default: [1000] for client, [1002] for server). */
  readonly codes?: readonly number[]
  /** Client close: a Close frame reply is required (default true; false = dropping TCP is NON-STRICT). */
  readonly requireClean?: boolean
  readonly informational?: boolean
  /** Bound for waiting for the expected events (default ctx.timeoutMs). */
  readonly waitMs?: number
  /** Extra checks on the finished connection. */
  readonly check?: (c: RawClient) => Verdict
  /** How to connect (default ctx.connect(): no extension offered). */
  readonly connect?: (ctx: Ctx) => Promise<RawClient>
}

export const runScenario = async (ctx: Ctx, s: Scenario): Promise<Verdict> => {
  const c = await (s.connect ? s.connect(ctx) : ctx.connect())
  try {
    await s.send(c, ctx)
    const T = ctx.timeoutMs
    const codes = s.codes ?? (s.closeBy === "client" ? [1000] : [1002])
    const verdicts: Verdict[] = []
    if (s.closeBy === "client") {
      const wanted = s.nonStrict ? [s.ok, s.nonStrict] : [s.ok]
      await c.waitUntil(() => c.closed || c.closeFrame !== undefined || wanted.some((w) => matches(c.appEvents(), w)), s.waitMs ?? T)
      const serverFirst = c.closeFrame !== undefined && (c.closeSentAt === undefined || c.closeFrame.at < c.closeSentAt)
      if (c.closeSentAt === undefined && !c.closed) c.sendClose(1000)
      await c.waitUntil(() => c.closed || c.closeFrame !== undefined, T)
      await c.waitTcpClose(T)
      if (serverFirst) {
        verdicts.push(failed(`server failed the connection itself (close ${c.closeFrame?.code ?? "-"}) where it should not`))
      } else if (c.closeFrame === undefined) {
        const msg = c.closed ? "server dropped TCP without a Close frame" : `no Close frame within ${T} ms`
        verdicts.push(s.requireClean === false && c.closed ? nonStrict(`${msg} (RFC 6455 §7.1.7: SHOULD send Close)`) : failed(msg))
      } else if (c.closeFrame.code !== undefined && !codes.includes(c.closeFrame.code)) {
        verdicts.push(failed(`close code ${c.closeFrame.code}, expected ${codes.join(" or ")}`))
      } else if (c.closeFrame.code === undefined && !codes.includes(1000)) {
        verdicts.push(nonStrict(`Close frame without a status code, expected ${codes.join(" or ")} (RFC 6455 §7.1.7)`))
      }
      if (!c.serverClosedTcp) {
        verdicts.push(
          nonStrict(`server did not close TCP within ${T} ms after the close handshake (RFC 6455 §7.1.1: server SHOULD close first)`)
        )
      }
    } else {
      await c.waitUntil(() => c.closed, T)
      if (!c.closed && c.closeFrame !== undefined) {
        // §7.1.7: after sending Close on failure, the server closes TCP without waiting for us.
        c.sendClose(c.closeFrame.code ?? 1000)
        const closedAfterReply = await c.waitTcpClose(T)
        verdicts.push(
          closedAfterReply
            ? nonStrict("server closed TCP only after our Close reply; failing the connection (RFC 6455 §7.1.7) means closing TCP")
            : failed(`server sent Close but did not close TCP within ${2 * T} ms`)
        )
      } else if (!c.closed) {
        verdicts.push(failed(`server did not fail the connection within ${T} ms`))
      }
      if (c.closeFrame === undefined) {
        if (c.closed)
          verdicts.push(nonStrict("server dropped TCP without a Close frame (RFC 6455 §7.1.7: SHOULD send Close with a status code)"))
      } else if (c.closeFrame.code === undefined) {
        verdicts.push(nonStrict(`Close frame without a status code, expected ${codes.join(" or ")} (RFC 6455 §7.1.7)`))
      } else if (!codes.includes(c.closeFrame.code)) {
        verdicts.push(failed(`close code ${c.closeFrame.code}, expected ${codes.join(" or ")}`))
      }
    }
    const got = c.appEvents()
    if (matches(got, s.ok)) verdicts.push(ok())
    else if (s.nonStrict && matches(got, s.nonStrict))
      verdicts.push(nonStrict(`got ${describe(got)}; strict expectation ${describe(s.ok)}`))
    else verdicts.push(failed(`got ${describe(got)}, expected ${describe(s.ok)}`))
    const v = c.violations()
    if (v.length > 0) verdicts.push(failed(v.join("; ")))
    if (s.check) verdicts.push(s.check(c))
    const result = worst(verdicts)
    if (s.informational) {
      return { outcome: "INFORMATIONAL", detail: `${result.outcome}: got ${describe(got)}, close ${c.closeFrame?.code ?? "none"}` }
    }
    return result
  } finally {
    c.destroy()
  }
}
