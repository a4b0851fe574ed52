/**
 * Callback API ordering and isolation: one connection's messages are handled in
 * order even when callbacks are async; a slow callback holds back only its own connection; a
 * callback that throws or fails closes only its connection, with 1011.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { Callbacks, Metrics } from "../src/index.js"
import { connect, waitUntil } from "./support/client.js"
import { start } from "./support/server.js"

describe("Callbacks: ordering and isolation", () => {
  it.live("messages of one connection are handled in order even when the callback is async", () =>
    Effect.gen(function* () {
      const handled: Array<string> = []
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              const n = Number(data)
              // Earlier messages wait longer: a handler that ran them concurrently would reorder.
              if (n % 3 === 0) yield* Effect.sleep(`${40 - n} millis`)
              else if (n % 3 === 1) yield* Effect.yieldNow
              handled.push(String(data))
              yield* Callbacks.write(String(data))
              return state
            })
        })
      )
      const a = yield* connect(url)
      const sent = Array.from({ length: 30 }, (_, i) => String(i))
      for (const m of sent) a.ws.send(m)
      expect(yield* a.texts(30)).toEqual(sent)
      expect(handled).toEqual(sent)
    })
  )

  it.live("a reply written by an async callback goes out before the echo of the client's Close (§5.5.1)", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              yield* Effect.sleep("200 millis")
              yield* Callbacks.write(`reply to ${String(data)}`)
              return state
            })
        })
      )
      const a = yield* connect(url)
      // The Close follows the message at once, while the callback is still sleeping.
      a.ws.send("question")
      a.ws.close(4000, "done")
      expect(String((yield* a.next()).data)).toBe("reply to question")
      expect((yield* a.waitClosed()).code).toBe(4000)
    })
  )

  it.live("the state from an async callback is what the next message sees", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          init: () => [] as Array<string>,
          message: (data: string | Uint8Array, seen: Array<string>) =>
            Effect.gen(function* () {
              yield* Effect.sleep("5 millis")
              const next = [...seen, String(data)]
              yield* Callbacks.write(next.join(","))
              return next
            })
        })
      )
      const a = yield* connect(url)
      for (const m of ["a", "b", "c"]) a.ws.send(m)
      expect(yield* a.texts(3)).toEqual(["a", "a,b", "a,b,c"])
    })
  )

  it.live("a slow async callback on one connection does not delay another connection", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              if (data === "slow") yield* Effect.sleep("500 millis")
              yield* Callbacks.write(`done ${String(data)}`)
              return state
            })
        })
      )
      const a = yield* connect(url)
      const b = yield* connect(url)
      const t0 = Date.now()
      yield* a.send("slow")
      yield* Effect.sleep("20 millis") // a's message is in the handler before b's
      yield* b.send("fast")
      expect(yield* b.nextText()).toBe("done fast")
      const bTook = Date.now() - t0
      expect(a.pending).toBe(0) // a's reply has not come yet
      expect(yield* a.nextText(2_000)).toBe("done slow")
      const aTook = Date.now() - t0
      expect(bTook).toBeLessThan(450) // well inside a's 500 ms sleep
      expect(aTook).toBeGreaterThanOrEqual(480)
    })
  )

  it.live("a slow connection's later messages wait for it while others go on", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              if (data === "slow") yield* Effect.sleep("300 millis")
              yield* Callbacks.write(String(data))
              return state
            })
        })
      )
      const a = yield* connect(url)
      const b = yield* connect(url)
      a.ws.send("slow")
      a.ws.send("after-slow")
      yield* Effect.sleep("20 millis")
      for (let i = 0; i < 5; i++) b.ws.send(`b${i}`)
      expect(yield* b.texts(5)).toEqual(["b0", "b1", "b2", "b3", "b4"])
      expect(a.received).toBe(0)
      expect(yield* a.texts(2)).toEqual(["slow", "after-slow"])
    })
  )

  it.live.each(["throw", "fail", "die"])("a callback that %ss closes only its connection, with 1011", (how) =>
    Effect.gen(function* () {
      const { url, server } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) => {
            if (data === "boom") {
              if (how === "throw") throw new Error("thrown by the test")
              return how === "fail" ? Effect.fail("failed by the test") : Effect.die(new Error("died in the test"))
            }
            return Effect.as(Callbacks.write(`ok ${String(data)}`), state)
          }
        })
      )
      const a = yield* connect(url)
      const b = yield* connect(url)
      yield* a.send("boom")
      const closed = yield* a.waitClosed()
      expect(closed.code).toBe(1011)
      yield* b.send("still working")
      expect(yield* b.nextText()).toBe("ok still working")
      yield* waitUntil(() => server.connections() === 1, 5_000, "only b to remain")
      // New connections are served too.
      const c = yield* connect(url)
      yield* c.send("new")
      expect(yield* c.nextText()).toBe("ok new")
    })
  )

  it.live("an async callback failing after a sleep closes its connection with 1011; later messages are not handled", () =>
    Effect.gen(function* () {
      const handled: Array<string> = []
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              handled.push(String(data))
              if (data === "boom") {
                yield* Effect.sleep("20 millis")
                return yield* Effect.fail("late failure")
              }
              return state
            })
        })
      )
      const a = yield* connect(url)
      a.ws.send("one")
      a.ws.send("boom")
      a.ws.send("never")
      expect((yield* a.waitClosed()).code).toBe(1011)
      expect(handled).toEqual(["one", "boom"])
    })
  )

  it.live("after a failure, closed still runs (with the 1011 echo) and the failure is counted", () =>
    Effect.gen(function* () {
      const failures = Metric.value(Metrics.metrics.callbackFailures).pipe(Effect.map((s) => Number(s.count)))
      const before = yield* failures
      const closed: Array<number> = []
      const { url } = yield* start(
        Callbacks.make({
          message: (_data: string | Uint8Array, _state: undefined) => Effect.fail("nope"),
          closed: (reason) => void closed.push(reason.code)
        })
      )
      const a = yield* connect(url)
      yield* a.send("x")
      expect((yield* a.waitClosed()).code).toBe(1011)
      yield* waitUntil(() => closed.length === 1, 5_000, "the closed callback")
      expect(closed).toEqual([1011])
      expect(yield* failures).toBe(before + 1)
    })
  )
})
