/**
 * `allowedOrigins` (RFC 6455 §10.2): the rules of connection/origin.ts, then over real sockets —
 * a refused origin gets 403 with the `Error` header before the handshake hook and the pipeline,
 * allowed ones (exact, wildcard, `null`) and requests without `Origin` connect.
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { compileOrigins, type OriginPolicy, originAllowed } from "../src/connection/origin.js"
import { Handler, Handshake, Metrics, Server } from "../src/index.js"
import { resolveOptions } from "../src/internal.js"
import { connect, rejected } from "./support/client.js"
import { start } from "./support/server.js"

const policy = (entries: Array<string>): OriginPolicy => {
  const compiled = compileOrigins(entries)
  if (typeof compiled === "string") throw new Error(compiled)
  return compiled
}

const rejections403 = Effect.map(Metric.value(Metrics.metrics.handshakeRejections), (s) => s.occurrences.get("403") ?? 0)

describe("origin rules", () => {
  it("exact origins: scheme and host compare case-insensitively, a default port is no port, paths never match", () => {
    const p = policy(["https://App.Example.com", "http://localhost:3000", "https://secure.example.com:443"])
    expect(originAllowed(p, "https://app.example.com")).toBe(true)
    expect(originAllowed(p, "HTTPS://APP.EXAMPLE.COM")).toBe(true)
    expect(originAllowed(p, "https://app.example.com:443")).toBe(true)
    expect(originAllowed(p, "https://secure.example.com")).toBe(true)
    expect(originAllowed(p, "http://localhost:3000")).toBe(true)
    expect(originAllowed(p, "http://localhost:3001")).toBe(false)
    expect(originAllowed(p, "http://app.example.com")).toBe(false) // another scheme
    expect(originAllowed(p, "https://app.example.com.evil.test")).toBe(false)
    expect(originAllowed(p, "https://app.example.com/path")).toBe(false)
    expect(originAllowed(p, "https://app.example.com, https://other.test")).toBe(false) // two Origin headers
  })

  it("a Unicode host equals its punycode form", () => {
    const p = policy(["https://bücher.example"])
    expect(originAllowed(p, "https://xn--bcher-kva.example")).toBe(true)
  })

  it("wildcards allow subdomains at any depth with the same scheme and port, not the domain itself", () => {
    const p = policy(["https://*.example.com", "http://*.dev.test:8080"])
    expect(originAllowed(p, "https://a.example.com")).toBe(true)
    expect(originAllowed(p, "https://a.b.example.com")).toBe(true)
    expect(originAllowed(p, "https://A.EXAMPLE.COM")).toBe(true)
    expect(originAllowed(p, "https://example.com")).toBe(false)
    expect(originAllowed(p, "http://a.example.com")).toBe(false)
    expect(originAllowed(p, "https://a.example.com:8443")).toBe(false)
    expect(originAllowed(p, "https://aexample.com")).toBe(false)
    expect(originAllowed(p, "https://a.example.com.evil.test")).toBe(false)
    expect(originAllowed(p, "http://x.dev.test:8080")).toBe(true)
    expect(originAllowed(p, "http://x.dev.test")).toBe(false)
  })

  it("an entry without a scheme means https", () => {
    const p = policy(["app.example.com", "*.example.org"])
    expect(originAllowed(p, "https://app.example.com")).toBe(true)
    expect(originAllowed(p, "http://app.example.com")).toBe(false)
    expect(originAllowed(p, "https://x.example.org")).toBe(true)
    expect(originAllowed(p, "http://x.example.org")).toBe(false)
  })

  it("the null origin only when listed; no Origin at all is allowed", () => {
    expect(originAllowed(policy(["https://a.test"]), "null")).toBe(false)
    expect(originAllowed(policy(["https://*.test"]), "null")).toBe(false)
    expect(originAllowed(policy(["null"]), "null")).toBe(true)
    expect(originAllowed(policy(["https://a.test"]), undefined)).toBe(true)
  })

  it.each([
    ["https://app.example.com/"],
    ["https://app.example.com/app"],
    ["https://a.*.example.com"],
    ["*"],
    ["https://"],
    ["https://app.example.com:99999"],
    ["https://*.[::1]"]
  ])("%s is refused at start with a ConfigError naming allowedOrigins", (entry) => {
    const result = resolveOptions({ allowedOrigins: [entry] })
    expect(result).toMatchObject({ _tag: "ConfigError", option: "allowedOrigins" })
    expect((result as Server.ConfigError).message).toContain(entry)
  })

  it("an empty list is refused (leave the option out to allow every origin)", () => {
    expect(resolveOptions({ allowedOrigins: [] })).toMatchObject({ _tag: "ConfigError", option: "allowedOrigins" })
    expect(resolveOptions({}).constructor.name).not.toBe("ConfigError")
  })
})

describe("allowedOrigins over real sockets", () => {
  it.live("by default every origin connects", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url, undefined, { origin: "https://anyone.test" })
      yield* client.send("hi")
      expect(yield* client.nextText()).toBe("hi")
    })
  )

  it.live("exact and wildcard origins, null and no Origin connect; others get 403 before the hook and the pipeline", () =>
    Effect.gen(function* () {
      const hookSaw: Array<string | undefined> = []
      const hooked = Handler.fiber(echo.run, {
        name: "origin-hooked-echo",
        handshake: (req) => {
          hookSaw.push(req.headers["origin"])
          return Handshake.accept()
        }
      })
      const { url, server } = yield* start(hooked, {
        allowedOrigins: ["https://app.example.com", "https://*.example.org", "null"]
      })
      for (const origin of ["https://app.example.com", "https://chat.example.org", "null", undefined]) {
        const client = yield* connect(url, undefined, origin === undefined ? {} : { origin })
        yield* client.send(`from ${origin}`)
        expect(yield* client.nextText()).toBe(`from ${origin}`)
      }
      expect(hookSaw).toEqual(["https://app.example.com", "https://chat.example.org", "null", undefined])
      const open = server.connections()
      const before = yield* rejections403
      for (const origin of ["https://evil.test", "http://app.example.com", "https://example.org", "https://app.example.com.evil.test"]) {
        const refused = yield* rejected(url, undefined, { origin })
        expect(refused.status).toBe(403)
        expect(refused.error).toBe("origin not allowed")
      }
      expect((yield* rejections403) - before).toBe(4)
      expect(hookSaw).toHaveLength(4) // the hook never saw a refused request
      expect(server.connections()).toBe(open) // nor did the pipeline
    })
  )

  it.live("attach applies the same checks (403 for an origin, 429 for an address) to an http server's upgrades", () =>
    Effect.gen(function* () {
      const http = Http.createServer((_req, res) => res.end("page"))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          http.closeAllConnections()
          http.close()
        })
      )
      yield* Server.attach(http, echo, { allowedOrigins: ["https://app.example.com"], maxConnectionsPerAddress: 1 })
      yield* Effect.promise(() => new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve)))
      const url = `ws://127.0.0.1:${(http.address() as Net.AddressInfo).port}/`
      expect((yield* rejected(url, undefined, { origin: "https://evil.test" })).status).toBe(403)
      yield* connect(url, undefined, { origin: "https://app.example.com" })
      expect((yield* rejected(url, undefined, { origin: "https://app.example.com" })).status).toBe(429)
    })
  )
})
