/**
 * `listen`'s `httpRequest` option: plain HTTP requests (no `Upgrade` header) on the WebSocket's
 * port are answered by the app — status, headers, body, HEAD without a body, 404s, a responder
 * that declines (426 as without the option) or throws (500) — while upgrades on the same port
 * still reach the pipeline.
 */
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import type { Server } from "../src/index.js"
import { connect, within } from "./support/client.js"
import { httpGet } from "./support/http.js"
import { start } from "./support/server.js"

const page: Server.HttpResponder = (request) => {
  if (request.path === "/") {
    return {
      status: 200,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "X-Query": request.query,
        "Bad\r\nName": "dropped",
        "X-Evil": "a\r\nInjected: yes"
      },
      body: "<!doctype html><p>héllo</p>"
    }
  }
  if (request.path === "/declined") return undefined
  if (request.path === "/throws") throw new Error("a bug in the responder")
  return { status: 404, body: `no ${request.method} ${request.path}` }
}

/** Sends `request` as raw bytes and returns everything the server wrote before closing. */
const rawExchange = (port: number, request: string) =>
  Effect.promise(() =>
    within(
      new Promise<string>((resolve, reject) => {
        const socket = Net.connect(port, "127.0.0.1", () => socket.write(request))
        let answer = ""
        socket.setEncoding("latin1")
        socket.on("data", (chunk: string) => (answer += chunk))
        socket.on("end", () => resolve(answer))
        socket.on("error", reject)
      }),
      5_000,
      "raw HTTP exchange"
    )
  )

describe("listen with httpRequest", () => {
  it.live("answers a plain GET with the responder's status, headers and UTF-8 body, and closes", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo, { httpRequest: page })
      const res = yield* httpGet(`http://127.0.0.1:${port}/?a=1`)
      expect(res.status).toBe(200)
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8")
      expect(res.headers["x-query"]).toBe("a=1")
      expect(res.headers["connection"]).toBe("close")
      expect(res.headers["content-length"]).toBe(String(Buffer.byteLength("<!doctype html><p>héllo</p>")))
      expect(res.body).toBe("<!doctype html><p>héllo</p>")
    })
  )

  it.live("drops header names that are not tokens and strips CR/LF from values (no header injection)", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo, { httpRequest: page })
      const answer = yield* rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
      const head = answer.slice(0, answer.indexOf("\r\n\r\n"))
      expect(head).not.toMatch(/^Injected:/m)
      expect(head).not.toMatch(/dropped/)
      expect(head).toMatch(/^X-Evil: a {2}Injected: yes$/m)
    })
  )

  it.live("answers other paths as the responder says (404), and HEAD with headers only", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo, { httpRequest: page })
      const missing = yield* httpGet(`http://127.0.0.1:${port}/nope`)
      expect(missing.status).toBe(404)
      expect(missing.body).toBe("no GET /nope")
      const head = yield* rawExchange(port, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
      expect(head).toMatch(/\r\nContent-Length: 28\r\n/)
      expect(head.endsWith("\r\n\r\n")).toBe(true) // no body after the head
    })
  )

  it.live("a declined request gets the default 426; a throwing responder gets 500", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo, { httpRequest: page })
      expect((yield* httpGet(`http://127.0.0.1:${port}/declined`)).status).toBe(426)
      expect((yield* httpGet(`http://127.0.0.1:${port}/throws`)).status).toBe(500)
    })
  )

  it.live("upgrades on the same port still reach the pipeline", () =>
    Effect.gen(function* () {
      const { url, port } = yield* start(echo, { httpRequest: page })
      expect((yield* httpGet(`http://127.0.0.1:${port}/`)).status).toBe(200)
      const client = yield* connect(url)
      yield* client.send("still a WebSocket server")
      expect(yield* client.nextText()).toBe("still a WebSocket server")
    })
  )
})
