/**
 * Configuration: one typed options object with documented defaults (docs/limits.md). Invalid
 * values fail at start with a `ConfigError` naming the option.
 */
import { PermessageDeflate } from "@wspipe/codec"
import { Data } from "effect"
import type { SlowConsumerPolicy } from "../actors/sender/state.js"
import type { BusOptions } from "../bus/bus.js"
import { type AdmissionOptions, admissionDefaults, type ResolvedAdmission, validateAdmission } from "../connection/admission.js"

/** Everything tunable. Every field is optional; `defaults` lists the values used. */
export interface ServerOptions extends AdmissionOptions {
  /** Only upgrades to this exact path are accepted (others get 404). Default: any path. */
  readonly path?: string | undefined
  /**
   * Subprotocols the server speaks. When the handshake hook does not choose, the server answers
   * with the first protocol in the client's list (its order of preference, RFC 6455 §4.1) that
   * is in this list.
   */
  readonly protocols?: ReadonlyArray<string> | undefined
  /** Largest frame payload accepted; larger → Close 1009 (RFC 6455 §7.4.1). Default 16 MiB. */
  readonly maxFrameSize?: number
  /** Largest message (all fragments) accepted; larger → Close 1009. Default 16 MiB. */
  readonly maxMessageSize?: number
  /** Largest HTTP request head; larger → 431. Default 16 KiB. */
  readonly maxHeadSize?: number
  /** Time for a client to send its complete upgrade request; then the socket is closed. Default 10 s. */
  readonly handshakeTimeoutMs?: number
  /** Connections beyond this are refused with 503 at the handshake. Default 100,000. */
  readonly maxConnections?: number
  /** How long to wait for the peer's Close after ours before dropping TCP. Default 5 s. */
  readonly closeTimeoutMs?: number
  /** On shutdown, how long to wait for close handshakes before dropping everyone. Default 5 s. */
  readonly shutdownTimeoutMs?: number
  /** A connection silent this long is pinged; silent twice as long is closed (1001). 0 = off. Default 60 s. */
  readonly idleTimeoutMs?: number
  /** Split outgoing messages into fragments of this many bytes (RFC 6455 §5.4). Default: never. */
  readonly fragmentSize?: number | undefined
  /** Capacity of the receiver's inbox (socket receivers → receiver), in chunks. Default 1024. */
  readonly receiverQueueCapacity?: number
  /** Capacity of the handler's inbox, in events. Default 4096. */
  readonly handlerQueueCapacity?: number
  /** Capacity of the sender's inbox, in commands. Default 4096. */
  readonly senderQueueCapacity?: number
  /** Per-connection outbound limit in frames waiting for one socket sender. Default 16,384. */
  readonly outboundQueueCapacity?: number
  /**
   * Per-connection outbound limit in bytes (queued frames plus the socket's own buffer). A client
   * past it is a slow consumer (see `slowConsumer`). Default 4 MiB.
   */
  readonly outboundBufferLimit?: number
  /**
   * Per-connection inbound allowance: bytes of one connection that may wait in the receiver's
   * queue; past it that socket is not read until the receiver catches up. Default 256 KiB.
   */
  readonly maxInflightBytes?: number
  /** What to do with a client that stops reading past its outbound limit. Default "close" (1008). */
  readonly slowConsumer?: SlowConsumerPolicy
  /**
   * Also accept the pre-RFC protocol draft-hixie-76 on the same port (the Erlang original's; 2010
   * browsers, old embedded clients). Default false: the draft has no masking, which RFC 6455
   * §10.3 added against cache poisoning through proxies; turn it on only for clients that need it.
   */
  readonly legacyHixie76?: boolean
  /**
   * Join other nodes (processes, machines) through a bus: broadcasts, topics and unicasts to their
   * connections cross it (docs/scale-out.md). Default: none, this node alone.
   */
  readonly bus?: BusOptions | undefined
  /**
   * permessage-deflate (RFC 7692), negotiated with every client that offers it (every browser
   * does). Default on, with `server_no_context_takeover; client_no_context_takeover`, level 1 and
   * a 1024-byte threshold: an idle connection then costs no zlib state, a broadcast is compressed
   * once for all, and small messages are sent as they are (docs/limits.md "Compression").
   * `false` turns it off; an object sets the parameters (context takeover, window bits, level,
   * memLevel, threshold). A handshake hook can refuse it per connection.
   */
  readonly perMessageDeflate?: boolean | PermessageDeflate.Options | undefined
}

/** The resolved options. */
export type ResolvedOptions = Required<
  Omit<ServerOptions, "path" | "protocols" | "fragmentSize" | "bus" | "perMessageDeflate" | keyof AdmissionOptions>
> &
  ResolvedAdmission & {
    readonly bus: BusOptions | undefined
    /** The compression parameters, or `undefined` when it is off. */
    readonly perMessageDeflate: PermessageDeflate.ResolvedOptions | undefined
    readonly path: string | undefined
    readonly protocols: ReadonlyArray<string>
    readonly fragmentSize: number | undefined
  }

const MiB = 1024 * 1024

/** The defaults, documented in docs/limits.md. */
export const defaults: ResolvedOptions = {
  path: undefined,
  protocols: [],
  maxFrameSize: 16 * MiB,
  maxMessageSize: 16 * MiB,
  maxHeadSize: 16 * 1024,
  handshakeTimeoutMs: 10_000,
  maxConnections: 100_000,
  closeTimeoutMs: 5_000,
  shutdownTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  fragmentSize: undefined,
  receiverQueueCapacity: 1024,
  handlerQueueCapacity: 4096,
  senderQueueCapacity: 4096,
  outboundQueueCapacity: 16_384,
  outboundBufferLimit: 4 * MiB,
  maxInflightBytes: 256 * 1024,
  slowConsumer: "close",
  legacyHixie76: false,
  bus: undefined,
  perMessageDeflate: PermessageDeflate.resolveOptions({}),
  ...admissionDefaults
}

/** An option has a value the server cannot run with. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly option: string; readonly message: string }> {}

const positiveInteger = [
  "maxFrameSize",
  "maxMessageSize",
  "maxHeadSize",
  "handshakeTimeoutMs",
  "maxConnections",
  "closeTimeoutMs",
  "receiverQueueCapacity",
  "handlerQueueCapacity",
  "senderQueueCapacity",
  "outboundQueueCapacity",
  "outboundBufferLimit",
  "maxInflightBytes"
] as const
const nonNegativeInteger = ["shutdownTimeoutMs", "idleTimeoutMs"] as const

/**
 * Merges `options` over the defaults and checks every value.
 *
 * @example
 * ```ts
 * resolveOptions({ maxMessageSize: -1 }) // ConfigError: maxMessageSize must be a positive integer, got -1
 * ```
 */
export const resolveOptions = (options: ServerOptions): ResolvedOptions | ConfigError => {
  const merged: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value
  for (const key of positiveInteger) {
    const value = merged[key]
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
      return new ConfigError({ option: key, message: `${key} must be a positive integer, got ${String(value)}` })
    }
  }
  for (const key of nonNegativeInteger) {
    const value = merged[key]
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      return new ConfigError({ option: key, message: `${key} must be a non-negative integer, got ${String(value)}` })
    }
  }
  const resolved = merged as ResolvedOptions
  if (resolved.maxFrameSize > resolved.maxMessageSize) {
    return new ConfigError({
      option: "maxFrameSize",
      message: `maxFrameSize (${resolved.maxFrameSize}) cannot exceed maxMessageSize (${resolved.maxMessageSize})`
    })
  }
  if (resolved.fragmentSize !== undefined && (!Number.isSafeInteger(resolved.fragmentSize) || resolved.fragmentSize <= 0)) {
    return new ConfigError({
      option: "fragmentSize",
      message: `fragmentSize must be a positive integer, got ${String(resolved.fragmentSize)}`
    })
  }
  if (resolved.slowConsumer !== "close" && resolved.slowConsumer !== "drop") {
    return new ConfigError({
      option: "slowConsumer",
      message: `slowConsumer must be "close" or "drop", got ${String(resolved.slowConsumer)}`
    })
  }
  const deflate = merged["perMessageDeflate"]
  if (deflate === false) merged["perMessageDeflate"] = undefined
  else if (deflate === true) merged["perMessageDeflate"] = defaults.perMessageDeflate
  else if (deflate !== defaults.perMessageDeflate) {
    try {
      merged["perMessageDeflate"] = PermessageDeflate.resolveOptions(deflate as PermessageDeflate.Options)
    } catch (error) {
      return new ConfigError({ option: "perMessageDeflate", message: `perMessageDeflate: ${(error as Error).message}` })
    }
  }
  if (typeof resolved.legacyHixie76 !== "boolean") {
    return new ConfigError({
      option: "legacyHixie76",
      message: `legacyHixie76 must be true or false, got ${String(resolved.legacyHixie76)}`
    })
  }
  if (resolved.path !== undefined && (typeof resolved.path !== "string" || !resolved.path.startsWith("/"))) {
    return new ConfigError({ option: "path", message: `path must start with "/", got ${String(resolved.path)}` })
  }
  if (!Array.isArray(resolved.protocols) || resolved.protocols.some((p) => typeof p !== "string" || p.length === 0)) {
    return new ConfigError({ option: "protocols", message: "protocols must be an array of non-empty strings" })
  }
  const admission = validateAdmission(resolved)
  if (admission !== undefined) return new ConfigError(admission)
  return resolved
}
