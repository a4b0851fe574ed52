/**
 * Runs cases one at a time against a server, each with a hard timeout, and checks after EACH
 * case that the server is still alive (fresh connection, echo, clean close).
 */
import { performance } from "node:perf_hooks"
import { categoryOf, CATEGORIES } from "./cases/index.js"
import { parseUrl, RawClient } from "./raw-client.js"
import type { Case, Ctx, Outcome } from "./scenario.js"

export interface CaseOutcome {
  readonly id: string
  readonly category: string
  readonly outcome: Outcome
  readonly detail: string
  readonly durationMs: number
  readonly description: string
  readonly expectation: string
}

export interface RunOptions {
  readonly url: string
  readonly full?: boolean
  /** The server's max message size (wspipe default 16 MiB). */
  readonly maxMessageSize?: number
  readonly timeoutMs?: number
  readonly failFastMs?: number
  readonly caseTimeoutMs?: number
  readonly filter?: (id: string) => boolean
  readonly onResult?: (r: CaseOutcome) => void
}

/** wspipe default (packages/server/src/options.ts: maxMessageSize 16 MiB); override with --max-message-size. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024

export const allCases = (): Case[] => CATEGORIES.flatMap((c) => c.cases)

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

/** Fresh connection + echo + clean close. Returns the problem or undefined. */
export const checkAlive = async (url: string, timeoutMs: number): Promise<string | undefined> => {
  let c: RawClient | undefined
  try {
    c = await RawClient.connect(parseUrl(url), { timeoutMs })
    return await c.echoAndClose("are you alive?", timeoutMs)
  } catch (e) {
    return (e as Error).message
  } finally {
    c?.destroy()
  }
}

export const runCases = async (cases: readonly Case[], opts: RunOptions): Promise<CaseOutcome[]> => {
  const addr = parseUrl(opts.url)
  const timeoutMs = opts.timeoutMs ?? 3000
  const results: CaseOutcome[] = []
  let deadInARow = 0
  for (const k of cases) {
    if (opts.filter && !opts.filter(k.id)) continue
    const clients = new Set<RawClient>()
    const track = (c: RawClient) => {
      clients.add(c)
      return c
    }
    const ctx: Ctx = {
      addr,
      full: opts.full ?? false,
      maxMessageSize: opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      timeoutMs,
      failFastMs: opts.failFastMs ?? (opts.full ? 1000 : 500),
      connect: async (o) => track(await RawClient.connect(addr, { timeoutMs, ...o })),
      open: async () => track(await RawClient.open(addr, timeoutMs))
    }
    const t0 = performance.now()
    let outcome: Outcome
    let detail: string
    if (deadInARow >= 3) {
      outcome = "FAILED"
      detail = "not run: the server stopped answering"
    } else {
      try {
        const v = await withTimeout(k.run(ctx), k.timeoutMs ?? opts.caseTimeoutMs ?? 20_000, `case ${k.id}`)
        outcome = v.outcome
        detail = v.detail
      } catch (e) {
        outcome = "FAILED"
        detail = `error: ${(e as Error).message}`
      } finally {
        for (const c of clients) c.destroy()
      }
      if (!k.noAliveCheck) {
        const problem = await checkAlive(opts.url, timeoutMs)
        if (problem !== undefined) {
          deadInARow++
          outcome = "FAILED"
          detail = `${detail ? detail + "; " : ""}server not alive after the case: ${problem}`
        } else {
          deadInARow = 0
        }
      }
    }
    const r: CaseOutcome = {
      id: k.id,
      category: categoryOf(k.id),
      outcome,
      detail,
      durationMs: performance.now() - t0,
      description: k.description,
      expectation: k.expectation
    }
    results.push(r)
    opts.onResult?.(r)
  }
  return results
}
