/**
 * `allowedOrigins` against a real browser (RFC 6455 §10.2): the same page, served by two node:http
 * servers on two ports (two origins), opens a WebSocket to wspipe in headless Chromium. From the
 * allowed origin it connects and echoes; from the other the browser's socket fails (Chromium does
 * not show a script the status) and the server counts one more 403 rejection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit, Metric, Scope } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Metrics, Server } from "../src/index.js"
import { launch, startPageServer } from "./support/chromium.js"

type Page = Awaited<ReturnType<typeof startPageServer>>
let allowed: Page
let other: Page
let browser: Awaited<ReturnType<typeof launch>>
let scope: Scope.Closeable
let wsUrl: string

const rejected403 = () =>
  Effect.runPromise(Effect.map(Metric.value(Metrics.metrics.handshakeRejections), (s) => s.occurrences.get("403") ?? 0))

beforeAll(async () => {
  ;[allowed, other, browser] = await Promise.all([startPageServer(), startPageServer(), launch()])
  scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(Server.listen(echo, { port: 0, allowedOrigins: [allowed.origin] }).pipe(Scope.provide(scope)))
  wsUrl = server.url!
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all([allowed?.close(), other?.close()])
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
}, 60_000)

describe("allowedOrigins in Chromium", () => {
  it("a page from another origin is refused: its socket fails and the 403 counter moves", async () => {
    const before = await rejected403()
    expect(await browser.open(other.origin, wsUrl)).toEqual({ opened: false, code: 1006 })
    expect((await rejected403()) - before).toBe(1)
  }, 30_000)

  it("the same page from the allowed origin connects and echoes", async () => {
    const before = await rejected403()
    expect(await browser.open(allowed.origin, wsUrl)).toEqual({ opened: true, echoed: `hello from ${allowed.origin}` })
    expect((await rejected403()) - before).toBe(0)
  }, 30_000)
})
