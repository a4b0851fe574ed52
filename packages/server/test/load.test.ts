/**
 * Many clients at once: 1000 concurrent `ws` clients each echo 10 messages through the one
 * pipeline; every reply must be correct and on the right connection.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { type Client, connect, waitUntil } from "./support/client.js"
import { start } from "./support/server.js"

const CLIENTS = 1000
const MESSAGES = 10

describe("load", () => {
  it.live(
    `${CLIENTS} concurrent clients each echo ${MESSAGES} messages, all correct`,
    () =>
      Effect.gen(function* () {
        const { url, server } = yield* start(echo)
        // Connect in waves so the listen backlog never overflows (a dropped SYN costs a 1 s retry).
        const clients: Array<Client> = []
        for (let wave = 0; wave < CLIENTS / 250; wave++) {
          clients.push(...(yield* Effect.forEach(Array.from({ length: 250 }), () => connect(url), { concurrency: "unbounded" })))
        }
        expect(server.connections()).toBe(CLIENTS)

        // Everyone sends everything at once, then the replies are checked per client.
        clients.forEach((c, i) => {
          for (let m = 0; m < MESSAGES; m++) c.ws.send(m % 2 === 0 ? `c${i}-m${m}` : Buffer.from(`b${i}-${m}`))
        })
        yield* waitUntil(() => clients.every((c) => c.received === MESSAGES), 20_000, "all replies")
        for (let i = 0; i < CLIENTS; i++) {
          for (let m = 0; m < MESSAGES; m++) {
            const reply = yield* clients[i]!.next(10)
            expect(reply.isBinary).toBe(m % 2 === 1)
            expect(reply.data.toString()).toBe(m % 2 === 0 ? `c${i}-m${m}` : `b${i}-${m}`)
          }
        }
        yield* Effect.sync(() =>
          clients.forEach((c) => {
            c.ws.terminate()
          })
        )
        yield* waitUntil(() => server.connections() === 0, 10_000, "every connection to end")
      }),
    30_000
  )
})
