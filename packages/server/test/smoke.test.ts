import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"

describe("smoke", () => {
  it.effect("queue", () => Effect.gen(function*() {
    const q = yield* Queue.bounded<number>(4)
    yield* Queue.offerAll(q, [1, 2])
    const all = yield* Queue.takeAll(q)
    expect(all).toEqual([1, 2])
  }))
})
