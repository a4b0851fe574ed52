/**
 * The Redis transport's options, their checks and defaults, and the error a failed start gives;
 * apart from `redis-transport.ts` so the transport itself stays short.
 *
 * @module
 */
import { Data } from "effect"

/**
 * The transport could not start: Redis unreachable with `startWhenDown: "fail"` (`reason:
 * "connect"`), or invalid options (`reason: "config"`). `url` has any password masked.
 *
 * @example
 * ```ts
 * RedisTransport.make({ url }).pipe(
 *   Effect.catchTag("RedisTransportError", (e) => Effect.logError(e.message)))
 * ```
 */
export class RedisTransportError extends Data.TaggedError("RedisTransportError")<{
  readonly reason: "connect" | "config"
  readonly url: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * How to reach Redis and how to behave when it is not there.
 *
 * @example
 * ```ts
 * const options: RedisTransportOptions = { url: "redis://127.0.0.1:6379", startWhenDown: "local-only" }
 * ```
 */
export interface RedisTransportOptions {
  /** `redis://[[user]:password@]host[:port][/db]`. */
  readonly url: string
  /** Redis unreachable at start: "fail" (default) fails with `RedisTransportError`; "local-only" starts down and connects when Redis appears. */
  readonly startWhenDown?: "fail" | "local-only"
  /** Bytes of PUBLISH commands accepted and not yet answered by Redis; beyond it `publish` returns false. Default 8 MiB. */
  readonly maxBufferedBytes?: number
  /** First reconnect delay in ms, doubled per failed attempt. Default 50. */
  readonly reconnectMinMs?: number
  /** Cap of the reconnect delay in ms. Default 2000. */
  readonly reconnectMaxMs?: number
  /** TCP connect timeout in ms (each attempt). Default 5000. */
  readonly connectTimeoutMs?: number
  /** Where the once-per-outage lines go. Default: `Effect.logInfo` / `Effect.logWarning` in the caller's context. */
  readonly log?: (level: "info" | "warning", message: string) => void
}

export const DEFAULTS = { maxBufferedBytes: 8 * 1024 * 1024, reconnectMinMs: 50, reconnectMaxMs: 2000, connectTimeoutMs: 5000 }

/** The URL with its password replaced by `***`, for messages and logs. */
export const redact = (url: string): string => {
  try {
    const u = new URL(url)
    if (u.password !== "") u.password = "***"
    return u.toString()
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@")
  }
}

const digits = (n: number): number => (n < 10 ? 1 : Math.floor(Math.log10(n)) + 1)

/** Bytes of `*3\r\n$7\r\nPUBLISH\r\n$<c>\r\n<channel>\r\n$<p>\r\n<payload>\r\n` on the wire. */
export const publishSize = (channelBytes: number, payloadBytes: number): number =>
  17 + (5 + digits(channelBytes) + channelBytes) + (5 + digits(payloadBytes) + payloadBytes)

export const validate = (o: RedisTransportOptions, url: string): RedisTransportError | undefined => {
  const bad = (message: string) => new RedisTransportError({ reason: "config", url, message })
  try {
    const u = new URL(o.url)
    if (u.protocol !== "redis:" && u.protocol !== "rediss:") return bad(`url must be redis:// or rediss://, got ${url}`)
  } catch {
    return bad(`url is not a URL: ${url}`)
  }
  const positive = (name: string, v: number | undefined) =>
    v === undefined || (Number.isFinite(v) && v > 0) ? undefined : bad(`${name} must be a positive number, got ${v}`)
  const err =
    positive("maxBufferedBytes", o.maxBufferedBytes) ??
    positive("reconnectMinMs", o.reconnectMinMs) ??
    positive("reconnectMaxMs", o.reconnectMaxMs) ??
    positive("connectTimeoutMs", o.connectTimeoutMs)
  if (err !== undefined) return err
  if ((o.reconnectMinMs ?? DEFAULTS.reconnectMinMs) > (o.reconnectMaxMs ?? DEFAULTS.reconnectMaxMs)) {
    return bad("reconnectMinMs must not exceed reconnectMaxMs")
  }
  if (o.startWhenDown !== undefined && o.startWhenDown !== "fail" && o.startWhenDown !== "local-only") {
    return bad(`startWhenDown must be "fail" or "local-only", got ${String(o.startWhenDown)}`)
  }
  return undefined
}
