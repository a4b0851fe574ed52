/**
 * Per-client-address limits: the token bucket and the connection counts with a fake clock (how
 * many, when again, and that idle addresses are forgotten), `X-Forwarded-For` from trusted
 * proxies only, then over real sockets from 127.0.0.2 and 127.0.0.3 (Linux routes all of
 * 127.0.0.0/8 to loopback): 429 with `Retry-After`, and other addresses unaffected.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { AddressLimits } from "../src/connection/address-limits.js"
import { addressKey, clientAddress, compileTrustedProxies } from "../src/connection/client-address.js"
import { resolveOptions } from "../src/internal.js"
import { connect, rejected } from "./support/client.js"
import { start } from "./support/server.js"

const clock = () => {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

const trusted = (entries: Array<string>) => {
  const list = compileTrustedProxies(entries)
  if (typeof list === "string") throw new Error(list)
  return list
}

describe("AddressLimits", () => {
  it("the handshake bucket: `rate` at once, then `rate` per second; Retry-After is the wait for one token", () => {
    const t = clock()
    const limits = new AddressLimits({ maxConnections: 0, handshakesPerSecond: 2, now: t.now })
    expect(limits.handshake("a")).toBeUndefined()
    expect(limits.handshake("a")).toBeUndefined()
    expect(limits.handshake("a")).toBe(1)
    expect(limits.handshake("b")).toBeUndefined() // another address has its own bucket
    t.advance(499)
    expect(limits.handshake("a")).toBe(1)
    t.advance(2)
    expect(limits.handshake("a")).toBeUndefined() // 500 ms at 2/s: one token
    expect(limits.handshake("a")).toBe(1)
    const slow = new AddressLimits({ maxConnections: 0, handshakesPerSecond: 1, now: t.now })
    expect(slow.handshake("a")).toBeUndefined()
    expect(slow.handshake("a")).toBe(1)
  })

  it("connections: at most `maxConnections` per address, released one by one", () => {
    const limits = new AddressLimits({ maxConnections: 2, handshakesPerSecond: 0 })
    expect(limits.open("a")).toBe(true)
    expect(limits.open("a")).toBe(true)
    expect(limits.open("a")).toBe(false)
    expect(limits.open("b")).toBe(true)
    limits.release("a")
    expect(limits.open("a")).toBe(true)
    expect(limits.open("a")).toBe(false)
  })

  it("memory is bounded: idle addresses (no connections, bucket full again) are forgotten", () => {
    const t = clock()
    const limits = new AddressLimits({ maxConnections: 5, handshakesPerSecond: 10, now: t.now })
    for (let i = 0; i < 10_000; i++) limits.handshake(`10.0.${i >> 8}.${i & 255}`)
    expect(limits.size).toBe(10_000)
    limits.handshake("keep")
    limits.open("keep")
    t.advance(1_100) // every bucket is full again; the next handshake sweeps
    limits.handshake("new")
    expect(limits.size).toBe(2) // "keep" has a connection, "new" a bucket that is refilling
    limits.release("keep")
    t.advance(1_100)
    limits.handshake("other")
    expect(limits.size).toBe(1)
  })

  it("limits of 0 keep nothing", () => {
    const limits = new AddressLimits({ maxConnections: 0, handshakesPerSecond: 0 })
    for (let i = 0; i < 100; i++) {
      expect(limits.handshake("a")).toBeUndefined()
      expect(limits.open("a")).toBe(true)
    }
    expect(limits.size).toBe(0)
  })
})

describe("the client address", () => {
  const proxies = trusted(["10.0.0.1", "10.1.0.0/16", "::1"])

  it("X-Forwarded-For is read only when the peer is a trusted proxy", () => {
    expect(clientAddress("10.0.0.1", "203.0.113.7", proxies)).toBe("203.0.113.7")
    expect(clientAddress("198.51.100.2", "203.0.113.7", proxies)).toBe("198.51.100.2")
    expect(clientAddress("10.0.0.1", "203.0.113.7", undefined)).toBe("10.0.0.1")
    expect(clientAddress("10.0.0.1", undefined, proxies)).toBe("10.0.0.1")
    expect(clientAddress("::ffff:10.0.0.1", "203.0.113.7", proxies)).toBe("203.0.113.7")
  })

  it("right to left, as many hops as there are trusted proxies; a forged left part is never taken", () => {
    expect(clientAddress("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.1.2.3", proxies)).toBe("203.0.113.7")
    expect(clientAddress("10.0.0.1", "10.1.0.9, 10.1.0.8", proxies)).toBe("10.1.0.9") // all trusted: the first
    expect(clientAddress("10.0.0.1", "203.0.113.7, garbage", proxies)).toBe("10.0.0.1") // stop at the proxy that wrote it
    expect(clientAddress("::1", "[2001:db8::1]:4711", proxies)).toBe("2001:db8::1")
    expect(clientAddress("::1", "203.0.113.7:4711", proxies)).toBe("203.0.113.7")
  })

  it("IPv6 clients count by their /64", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64")
    expect(addressKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64")
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64")
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7")
  })

  it.each([["proxy.local"], ["10.0.0.0/33"], ["10.0.0.1/8/1"], ["::1/129"]])("trustedProxies %s is a ConfigError", (entry) => {
    expect(resolveOptions({ trustedProxies: [entry] })).toMatchObject({ _tag: "ConfigError", option: "trustedProxies" })
  })

  it.each([
    ["maxConnectionsPerAddress", -1],
    ["maxHandshakesPerSecondPerAddress", 1.5]
  ])("%s %s is a ConfigError", (option, value) => {
    expect(resolveOptions({ [option]: value })).toMatchObject({ _tag: "ConfigError", option })
  })
})

const from = (localAddress: string, headers: Record<string, string> = {}) => ({ localAddress, headers })

describe("per-address limits over real sockets", () => {
  it.live("by default one address may open many connections, many times a second", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      for (let i = 0; i < 30; i++) {
        const client = yield* connect(url, undefined, from("127.0.0.2"))
        if (i % 2 === 0) client.ws.terminate()
      }
    })
  )

  it.live("maxConnectionsPerAddress: one more gets 429 with Retry-After; another address is unaffected; a close frees a place", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { maxConnectionsPerAddress: 2 })
      const first = yield* connect(url, undefined, from("127.0.0.2"))
      yield* connect(url, undefined, from("127.0.0.2"))
      const refused = yield* rejected(url, undefined, from("127.0.0.2"))
      expect(refused.status).toBe(429)
      expect(refused.error).toBe("too many connections from this address")
      expect(refused.headers["retry-after"]).toBe("5")
      const other = yield* connect(url, undefined, from("127.0.0.3"))
      yield* other.send("unaffected")
      expect(yield* other.nextText()).toBe("unaffected")
      first.ws.close()
      yield* first.waitClosed()
      yield* Effect.sleep("50 millis") // the server's socket closes after the close handshake
      yield* connect(url, undefined, from("127.0.0.2"))
    })
  )

  it.live("maxHandshakesPerSecondPerAddress: past the burst, 429 with Retry-After; another address is unaffected; later again", () =>
    Effect.gen(function* () {
      // 1/s: a burst of one, then one a second (the fake-clock test above covers larger buckets;
      // here a whole second of margin keeps a slow machine from refilling the bucket mid-test).
      const { url } = yield* start(echo, { maxHandshakesPerSecondPerAddress: 1 })
      ;(yield* connect(url, undefined, from("127.0.0.2"))).ws.terminate()
      const refused = yield* rejected(url, undefined, from("127.0.0.2"))
      expect(refused.status).toBe(429)
      expect(refused.error).toBe("too many handshakes from this address")
      expect(refused.headers["retry-after"]).toBe("1")
      yield* connect(url, undefined, from("127.0.0.3"))
      yield* Effect.sleep("1100 millis")
      yield* connect(url, undefined, from("127.0.0.2"))
    })
  )

  it.live("X-Forwarded-For counts the client behind a trusted proxy, and is ignored from anyone else", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { maxConnectionsPerAddress: 1, trustedProxies: ["127.0.0.1"] })
      const xff = (value: string) => ({ "X-Forwarded-For": value })
      yield* connect(url, undefined, from("127.0.0.1", xff("203.0.113.7")))
      // The same client through the proxy, with a forged entry on the left: still 203.0.113.7.
      expect((yield* rejected(url, undefined, from("127.0.0.1", xff("198.51.100.1, 203.0.113.7")))).status).toBe(429)
      yield* connect(url, undefined, from("127.0.0.1", xff("203.0.113.8")))
      // 127.0.0.2 is no trusted proxy: its header is ignored, it is counted as itself.
      yield* connect(url, undefined, from("127.0.0.2", xff("203.0.113.9")))
      expect((yield* rejected(url, undefined, from("127.0.0.2", xff("203.0.113.10")))).status).toBe(429)
    })
  )
})
