/**
 * Who may connect, decided before the handshake hook and before the pipeline (docs/limits.md,
 * "Who may connect"): the per-address handshake rate (429), the page's origin (403, RFC 6455
 * §10.2) and the per-address connection count (429). All are off by default.
 */
import type * as Net from "node:net"
import { HandshakeError } from "@wspipe/codec"
import { AddressLimits } from "./address-limits.js"
import { addressKey, clientAddress, compileTrustedProxies } from "./client-address.js"
import { compileOrigins, type OriginPolicy, originAllowed } from "./origin.js"

/** The options of this file, part of `ServerOptions`. */
export interface AdmissionOptions {
  /**
   * Origins whose pages may connect (`https://app.example.com`, `https://*.example.com`,
   * `null`); others get 403. A request without `Origin` (not a browser) is allowed. Default: any
   * origin. Rules in docs/limits.md.
   */
  readonly allowedOrigins?: ReadonlyArray<string> | undefined
  /** Open connections one client address may have; more get 429. 0 = off. Default 0. */
  readonly maxConnectionsPerAddress?: number
  /** Handshakes per second one client address may make (a token bucket of as many); more get 429. 0 = off. Default 0. */
  readonly maxHandshakesPerSecondPerAddress?: number
  /**
   * Proxies (addresses or subnets) whose `X-Forwarded-For` names the client for the per-address
   * limits. Default none: the socket's peer is the client.
   */
  readonly trustedProxies?: ReadonlyArray<string>
}

/** The resolved admission options (a type, not an interface: `resolveOptions` builds it from a record). */
export type ResolvedAdmission = {
  readonly allowedOrigins: ReadonlyArray<string> | undefined
  readonly maxConnectionsPerAddress: number
  readonly maxHandshakesPerSecondPerAddress: number
  readonly trustedProxies: ReadonlyArray<string>
}

/**
 * The defaults: everyone may connect. A server behind a proxy or a load balancer sees every
 * client at the proxy's address, and many users share one address behind NAT, so no per-address
 * limit is a safe default; docs/limits.md suggests values for a server facing clients directly.
 *
 * @example
 * ```ts
 * admissionDefaults.maxConnectionsPerAddress // 0: off
 * ```
 */
export const admissionDefaults: ResolvedAdmission = {
  allowedOrigins: undefined,
  maxConnectionsPerAddress: 0,
  maxHandshakesPerSecondPerAddress: 0,
  trustedProxies: []
}

/**
 * Checks the admission options; returns the bad option and why.
 *
 * @example
 * ```ts
 * validateAdmission({ ...admissionDefaults, maxConnectionsPerAddress: -1 })
 * // { option: "maxConnectionsPerAddress", message: "maxConnectionsPerAddress must be … got -1" }
 * ```
 */
export const validateAdmission = (options: ResolvedAdmission): { readonly option: string; readonly message: string } | undefined => {
  for (const option of ["maxConnectionsPerAddress", "maxHandshakesPerSecondPerAddress"] as const) {
    const value = options[option]
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      return { option, message: `${option} must be a non-negative integer (0 = off), got ${String(value)}` }
    }
  }
  if (options.allowedOrigins !== undefined) {
    if (!Array.isArray(options.allowedOrigins) || options.allowedOrigins.length === 0) {
      return { option: "allowedOrigins", message: "allowedOrigins must be a non-empty array of origins (leave it out to allow any origin)" }
    }
    const policy = compileOrigins(options.allowedOrigins)
    if (typeof policy === "string") return { option: "allowedOrigins", message: policy }
  }
  if (!Array.isArray(options.trustedProxies))
    return { option: "trustedProxies", message: "trustedProxies must be an array of addresses or subnets" }
  const trusted = compileTrustedProxies(options.trustedProxies)
  if (typeof trusted === "string") return { option: "trustedProxies", message: trusted }
  return undefined
}

/**
 * One server's admission: its compiled origins, trusted proxies and per-address counters.
 *
 * @example
 * ```ts
 * declare const socket: Parameters<Admission["admit"]>[0]
 * const admission = new Admission({ ...admissionDefaults, allowedOrigins: ["https://app.example.com"] })
 * const refused = admission.admit(socket, { origin: "https://evil.example" }) // HandshakeError 403
 * ```
 */
export class Admission {
  private readonly origins: OriginPolicy | undefined
  private readonly trusted: Net.BlockList | undefined
  /** Undefined when both per-address limits are off (then nothing is kept per address). */
  readonly limits: AddressLimits | undefined

  constructor(options: ResolvedAdmission) {
    const origins = options.allowedOrigins === undefined ? undefined : compileOrigins(options.allowedOrigins)
    const trusted = compileTrustedProxies(options.trustedProxies)
    // validateAdmission ran first (resolveOptions); a string here is a bug.
    if (typeof origins === "string" || typeof trusted === "string") throw new Error(String(typeof origins === "string" ? origins : trusted))
    this.origins = origins
    this.trusted = options.trustedProxies.length === 0 ? undefined : trusted
    const { maxConnectionsPerAddress: maxConnections, maxHandshakesPerSecondPerAddress: handshakesPerSecond } = options
    this.limits = maxConnections > 0 || handshakesPerSecond > 0 ? new AddressLimits({ maxConnections, handshakesPerSecond }) : undefined
  }

  /**
   * Admits an upgrade request (lowercase `headers`), or says why not. An admitted request from
   * a counted address is released when its socket closes.
   */
  admit(socket: Net.Socket, headers: Readonly<Record<string, string>>): HandshakeError | undefined {
    const limits = this.limits
    let key: string | undefined
    if (limits !== undefined) {
      key = addressKey(clientAddress(socket.remoteAddress, headers["x-forwarded-for"], this.trusted))
      const wait = limits.handshake(key)
      if (wait !== undefined) {
        return new HandshakeError(429, "too many handshakes from this address", { "Retry-After": String(wait) })
      }
    }
    // RFC 6455 §10.2: a server that serves chosen pages only checks the origin they came from.
    if (this.origins !== undefined && !originAllowed(this.origins, headers["origin"])) {
      return new HandshakeError(403, "origin not allowed")
    }
    if (limits !== undefined && key !== undefined && limits.maxConnections > 0) {
      if (!limits.open(key)) {
        return new HandshakeError(429, "too many connections from this address", { "Retry-After": "5" })
      }
      const counted = key
      if (socket.closed) limits.release(counted)
      else socket.once("close", () => limits.release(counted))
    }
    return undefined
  }
}
