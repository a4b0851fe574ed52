/**
 * The queues between the actors (`runtime/actor-queue.ts`): Effect's bounded queue with
 * array-backed wait lists. They must behave as Effect's queue does, and a take that waits must
 * leave nothing behind in V8's old generation (with Effect's `Set` each wait left a rehashed
 * table there: the c=1 latency tail of docs/benchmarks.md).
 */
import { fork } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Queue } from "effect"
import WebSocket from "ws"
import * as ActorQueue from "../src/runtime/actor-queue.js"
import { WaitList } from "../src/runtime/actor-queue.js"
import { listeningUrl } from "./support/ready-line.js"

const cwd = join(dirname(fileURLToPath(import.meta.url)), "..")

describe("ActorQueue", () => {
  it.effect("installs array-backed wait lists on a new queue", () =>
    Effect.gen(function* () {
      const queue = yield* ActorQueue.bounded<number>(4)
      expect(queue.state._tag).toBe("Open")
      if (queue.state._tag !== "Open") return
      expect(queue.state.takers).toBeInstanceOf(WaitList)
      expect(queue.state.offers).toBeInstanceOf(WaitList)
    })
  )

  it("a WaitList iterates in insertion order and lets the loop delete the entry it visits", () => {
    const list = new WaitList<string>()
    list.add("a").add("b").add("a").add("c")
    expect(list.size).toBe(3)
    const visited: Array<string> = []
    for (const value of list) {
      visited.push(value)
      if (value !== "b") list.delete(value)
    }
    expect(visited).toEqual(["a", "b", "c"])
    expect([...list]).toEqual(["b"])
    expect(list.has("b") && !list.has("a")).toBe(true)
  })

  it.live("wakes waiting takers in order, one item each", () =>
    Effect.gen(function* () {
      const queue = yield* ActorQueue.bounded<string>(4)
      const first = yield* Effect.forkChild(Queue.take(queue))
      const second = yield* Effect.forkChild(Queue.take(queue))
      yield* Effect.sleep("5 millis") // both are waiting now
      yield* Queue.offerAll(queue, ["a", "b"])
      expect(yield* Fiber.join(first)).toBe("a")
      expect(yield* Fiber.join(second)).toBe("b")
    })
  )

  it.live("makes offers to a full queue wait, and lets them in in order as room is made", () =>
    Effect.gen(function* () {
      const queue = yield* ActorQueue.bounded<number>(2)
      yield* Queue.offerAll(queue, [1, 2])
      const third = yield* Effect.forkChild(Queue.offer(queue, 3))
      const fourth = yield* Effect.forkChild(Queue.offer(queue, 4))
      yield* Effect.sleep("5 millis")
      expect(yield* Queue.size(queue)).toBe(2)
      const taken: Array<number> = []
      while (taken.length < 4) taken.push(...(yield* Queue.takeAll(queue)))
      yield* Fiber.join(third)
      yield* Fiber.join(fourth)
      expect(taken).toEqual([1, 2, 3, 4])
    })
  )

  it.live("ends a waiting take when the queue is shut down, and an interrupted take leaves the list", () =>
    Effect.gen(function* () {
      const queue = yield* ActorQueue.bounded<number>(2)
      const interrupted = yield* Effect.forkChild(Queue.take(queue))
      const waiting = yield* Effect.forkChild(Queue.take(queue))
      yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(interrupted)
      if (queue.state._tag === "Open") expect(queue.state.takers.size).toBe(1)
      yield* Queue.shutdown(queue)
      const exit = yield* Fiber.await(waiting)
      expect(Exit.isFailure(exit)).toBe(true)
    })
  )

  it("a server's old generation does not grow with the messages it echoes (one in flight)", async () => {
    const server = fork("test/support/old-space-echo.ts", [], {
      cwd,
      execArgv: ["--expose-gc", "--import", "tsx"],
      stdio: ["ignore", "pipe", "inherit", "ipc"]
    })
    try {
      const url = await listeningUrl(server.stdout!)
      const oldSpace = (request: "gc" | "old") =>
        new Promise<number>((resolve) => {
          server.once("message", (reply) => resolve((reply as { used: number }).used))
          server.send(request)
        })
      const ws = new WebSocket(url)
      await new Promise((resolve) => ws.once("open", resolve))
      const echoes = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const echoed = new Promise((resolve) => ws.once("message", resolve))
          ws.send("0123456789abcdef0123456789abcdef")
          await echoed
        }
      }
      await echoes(3_000) // warm up: the queues and actors settle in the old generation
      const before = await oldSpace("gc")
      const messages = 20_000
      await echoes(messages)
      const perMessage = ((await oldSpace("old")) - before) / messages
      ws.close()
      // Effect's own wait lists (a Set) left ~220 B per message here.
      expect(perMessage).toBeLessThan(40)
    } finally {
      server.kill("SIGKILL")
    }
  }, 60_000)
})
