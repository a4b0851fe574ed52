/**
 * Which browser pages may open a connection: the `allowedOrigins` option checked against the
 * request's `Origin` header (RFC 6455 §4.2.1 item 8, §10.2; the origin model of RFC 6454).
 *
 * The rules (docs/limits.md, "Who may connect"):
 * - `scheme://host[:port]` allows exactly that origin. Scheme and host compare case-insensitively
 *   (RFC 6454 §4 lowercases both), a default port (80 for http/ws, 443 for https/wss) is the same
 *   as none, and a Unicode host equals its punycode (browsers send the ASCII form).
 * - `scheme://*.suffix[:port]` allows every subdomain of `suffix`, at any depth, with that same
 *   scheme and port: `https://*.example.com` allows `https://a.example.com` and
 *   `https://a.b.example.com`, not `https://example.com` (list it too) nor `http://a.example.com`.
 * - An entry without a scheme (`app.example.com`, `*.example.com`) means `https://`: a page
 *   served over plain http can be altered in transit, so it is allowed only when named with
 *   `http://`.
 * - `null` allows the opaque origin `null` (sandboxed iframes, `file:` and `data:` pages); no
 *   other entry does.
 * - A request without `Origin` is allowed: browsers always send it (§4.1 item 8 requires it of
 *   browser clients, and scripts cannot remove it), so its absence means a non-browser client.
 *   Such a client can write any `Origin` it likes, so the header protects users' browsers from
 *   other sites' scripts (§10.2) and is never a way to authenticate a program.
 */
import { domainToASCII } from "node:url"

/** A compiled `allowedOrigins` list. */
export interface OriginPolicy {
  /** Normalized exact origins (`https://app.example.com`, `http://localhost:3000`, `null`). */
  readonly exact: ReadonlySet<string>
  /** Wildcards as `scheme://*.suffix[:port]`, normalized; matched by walking the host's parents. */
  readonly wildcards: ReadonlySet<string>
}

interface Parsed {
  readonly scheme: string
  readonly host: string
  /** `:port`, or "" for the scheme's default port. */
  readonly port: string
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: "80", https: "443", ws: "80", wss: "443" }
const ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^/?#@:[\]]+)(?::(\d{1,5}))?$/

/** Splits a serialized origin into its normalized parts; undefined when it is not one. */
const parse = (text: string): Parsed | undefined => {
  const m = ORIGIN.exec(text)
  if (m === null) return undefined
  const scheme = m[1]!.toLowerCase()
  const rawHost = m[2]!
  const host = rawHost.startsWith("[") ? rawHost.toLowerCase() : domainToASCII(rawHost)
  if (host === "") return undefined
  if (m[3] !== undefined && Number(m[3]) > 65535) return undefined
  const port = m[3] === undefined || Number(m[3]) === Number(DEFAULT_PORTS[scheme]) ? "" : `:${Number(m[3])}`
  return { scheme, host, port }
}

const serialize = ({ scheme, host, port }: Parsed): string => `${scheme}://${host}${port}`

/**
 * Compiles an `allowedOrigins` list; a string says which entry is not an origin or pattern.
 *
 * @example
 * ```ts
 * const policy = compileOrigins(["https://app.example.com", "*.example.org", "null"])
 * // { exact: Set { "https://app.example.com", "null" }, wildcards: Set { "https://*.example.org" } }
 * compileOrigins(["https://app.example.com/"]) // 'allowedOrigins: "https://app.example.com/" is not …'
 * ```
 */
export const compileOrigins = (entries: ReadonlyArray<string>): OriginPolicy | string => {
  const exact = new Set<string>()
  const wildcards = new Set<string>()
  for (const entry of entries) {
    if (typeof entry !== "string") return `allowedOrigins: every entry must be a string, got ${String(entry)}`
    if (entry === "null") {
      exact.add("null")
      continue
    }
    const full = entry.includes("://") ? entry : `https://${entry}`
    const wildcard = /^([^:]+:\/\/)\*\.(.+)$/.exec(full)
    const parsed = parse(wildcard === null ? full : `${wildcard[1]}${wildcard[2]}`)
    if (parsed === undefined || parsed.host.includes("*") || (wildcard !== null && parsed.host.startsWith("["))) {
      return `allowedOrigins: "${entry}" is not an origin (scheme://host[:port], no path), a "scheme://*.domain" pattern, or "null"`
    }
    if (wildcard === null) exact.add(serialize(parsed))
    else wildcards.add(serialize({ ...parsed, host: `*.${parsed.host}` }))
  }
  return { exact, wildcards }
}

/**
 * Whether a request's `Origin` header value is allowed by `policy` (see the module's rules).
 * `undefined` (no header) is allowed; anything that is not a single serialized origin is not.
 *
 * @example
 * ```ts
 * const policy = compileOrigins(["https://*.example.com"])
 * if (typeof policy !== "string") {
 *   originAllowed(policy, "https://chat.example.com") // true
 *   originAllowed(policy, "http://chat.example.com") // false: another scheme
 *   originAllowed(policy, "https://example.com") // false: not a subdomain
 *   originAllowed(policy, undefined) // true: no Origin, not a browser
 * }
 * ```
 */
export const originAllowed = (policy: OriginPolicy, origin: string | undefined): boolean => {
  if (origin === undefined) return true
  // Browsers send the serialized (normalized) form: one Set lookup in the common case.
  if (policy.exact.has(origin)) return true
  if (origin === "null") return false
  const parsed = parse(origin)
  if (parsed === undefined) return false
  if (policy.exact.has(serialize(parsed))) return true
  if (policy.wildcards.size === 0) return false
  const { scheme, host, port } = parsed
  if (host.startsWith("[")) return false
  for (let dot = host.indexOf("."); dot > 0 && dot < host.length - 1; dot = host.indexOf(".", dot + 1)) {
    if (policy.wildcards.has(`${scheme}://*.${host.slice(dot + 1)}${port}`)) return true
  }
  return false
}
