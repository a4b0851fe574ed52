/**
 * Whose request is it: the client address the per-address limits count. It is the socket's peer,
 * unless the peer is one of `trustedProxies`: then it is read from `X-Forwarded-For`, right to
 * left, skipping every address that is itself a trusted proxy. The first untrusted address is the
 * client (a client can put anything at the left of the header, but it cannot make a trusted
 * proxy append a lie at the right). So as many hops are taken as there are trusted proxies at
 * the right end of the chain, and no more.
 */
import * as Net from "node:net"

/**
 * Compiles `trustedProxies` (addresses like `10.0.0.5` or `::1`, subnets like `10.0.0.0/8` or
 * `fd00::/8`) into a `BlockList`; a string says which entry is not one.
 *
 * @example
 * ```ts
 * const trusted = compileTrustedProxies(["127.0.0.1", "10.0.0.0/8"])
 * // a BlockList; trusted.check("10.1.2.3", "ipv4") === true
 * compileTrustedProxies(["proxy.local"]) // 'trustedProxies: "proxy.local" is not …'
 * ```
 */
export const compileTrustedProxies = (entries: ReadonlyArray<string>): Net.BlockList | string => {
  const list = new Net.BlockList()
  for (const entry of entries) {
    const [address, prefix, extra] = typeof entry === "string" ? entry.split("/") : []
    const family = address === undefined ? 0 : Net.isIP(address)
    const bits = prefix === undefined ? undefined : Number(prefix)
    const max = family === 6 ? 128 : 32
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(prefix!) || bits > max))) {
      return `trustedProxies: "${String(entry)}" is not an IP address or a subnet (10.0.0.0/8, fd00::/8)`
    }
    const type = family === 6 ? "ipv6" : "ipv4"
    if (bits === undefined) list.addAddress(address!, type)
    else list.addSubnet(address!, bits, type)
  }
  return list
}

/** `::ffff:1.2.3.4` (an IPv4 client of a dual-stack socket) is `1.2.3.4`. */
const unmap = (address: string): string => (address.startsWith("::ffff:") && Net.isIPv4(address.slice(7)) ? address.slice(7) : address)

/** One `X-Forwarded-For` entry as an address (`1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`). */
const entryAddress = (entry: string): string | undefined => {
  let text = entry.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text)
  if (bracketed !== null) text = bracketed[1]!
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.indexOf(":"))
  return Net.isIP(text) === 0 ? undefined : unmap(text.toLowerCase())
}

const trusts = (list: Net.BlockList, address: string): boolean => list.check(address, Net.isIPv6(address) ? "ipv6" : "ipv4")

/**
 * The client's address for a request that came from `peer` with `forwardedFor` (the
 * `X-Forwarded-For` header, repeated headers joined with ", "). Without `trusted`, or from an
 * untrusted peer, it is `peer`: anyone can send the header. An entry that is not an address
 * stops the walk at the proxy that appended it.
 *
 * @example
 * ```ts
 * const trusted = compileTrustedProxies(["10.0.0.1"])
 * if (typeof trusted !== "string") {
 *   clientAddress("10.0.0.1", "6.6.6.6, 203.0.113.7", trusted) // "203.0.113.7"
 *   clientAddress("198.51.100.2", "203.0.113.7", trusted) // "198.51.100.2": not a trusted peer
 * }
 * ```
 */
export const clientAddress = (peer: string | undefined, forwardedFor: string | undefined, trusted: Net.BlockList | undefined): string => {
  let current = unmap(peer ?? "")
  if (trusted === undefined || forwardedFor === undefined || current === "" || !trusts(trusted, current)) return current
  const entries = forwardedFor.split(",")
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = entryAddress(entries[i]!)
    if (address === undefined) return current
    current = address
    if (!trusts(trusted, address)) return address
  }
  return current
}

/**
 * What the per-address limits count by: the address itself for IPv4, its /64 network for IPv6
 * (one IPv6 subscriber usually holds a whole /64, and could otherwise take a fresh address for
 * every connection).
 *
 * @example
 * ```ts
 * addressKey("203.0.113.7") // "203.0.113.7"
 * addressKey("2001:db8:1:2:aaaa::1") // "2001:db8:1:2::/64"
 * ```
 */
export const addressKey = (address: string): string => {
  if (!Net.isIPv6(address)) return address
  const [head = "", tail = ""] = address.split("::")
  const left = head === "" ? [] : head.split(":")
  const right = tail === "" ? [] : tail.split(":")
  const groups = address.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, "").toLowerCase())
    .join(":")}::/64`
}
