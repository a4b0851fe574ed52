/**
 * The output of a big (sliced) zlib job: one resizable buffer that grows in place, so what was
 * written before a growth is still there and the result is that same memory, never a copy.
 */
import { describe, expect, it } from "vitest"
import { GrowingOutput } from "../../src/deflate/index.js"

describe("GrowingOutput", () => {
  it("grows in place up to its maximum, keeping what was written", () => {
    const out = GrowingOutput.make(5 << 20)!
    expect(out.bytes.length).toBe(1 << 20)
    out.bytes.fill(7, 0, 1 << 20)
    const before = out.bytes.buffer
    const larger = out.grow()
    expect(larger.length).toBe(2 << 20)
    expect(larger.buffer).toBe(before) // the same ArrayBuffer: nothing was copied
    expect(larger[(1 << 20) - 1]).toBe(7)
    expect(larger[1 << 20]).toBe(0)
    out.grow()
    expect(out.full).toBe(false)
    expect(out.grow().length).toBe(5 << 20) // capped at the maximum
    expect(out.full).toBe(true)
    const result = out.result(3)
    expect([...result]).toEqual([7, 7, 7])
    expect(result.buffer).toBe(before)
  })

  it("starts at the maximum when that is below the first size", () => {
    const out = GrowingOutput.make(1000)!
    expect(out.bytes.length).toBe(1000)
    expect(out.full).toBe(true)
  })

  it("is unavailable when the maximum cannot be reserved (callers fall back to copying out)", () => {
    expect(GrowingOutput.make(2 ** 60)).toBeUndefined()
  })
})
