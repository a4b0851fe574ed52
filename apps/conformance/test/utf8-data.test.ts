/**
 * The UTF-8 table of cases 6.5.x–6.23.x: every sequence's declared validity agrees with an
 * independent check, and the group sizes match Autobahn's. (The raw client's frame reader and
 * writer are tested in packages/test-frames.)
 */
import { isValidUtf8 } from "@wspipe/test-frames"
import { describe, expect, it } from "vitest"
import { UTF8_GROUPS } from "../src/cases/utf8-data.js"

describe("UTF-8 sequences (6.5.x-6.23.x)", () => {
  it("declared validity agrees with a fatal TextDecoder, and counts match Autobahn", () => {
    for (const g of UTF8_GROUPS)
      for (const [valid, bytes] of g.items)
        expect([g.title, bytes.toString("hex"), isValidUtf8(bytes)]).toEqual([g.title, bytes.toString("hex"), valid])
    expect(UTF8_GROUPS.map((g) => g.items.length)).toEqual([5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7])
  })
})
