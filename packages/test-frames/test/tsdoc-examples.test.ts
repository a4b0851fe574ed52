/**
 * Every TSDoc `@example` in this package's sources type-checks against the package as a test
 * sees it (`scripts/tsdoc-examples.ts`).
 */
import { describe, expect, it } from "vitest"
import { checkPackage } from "../../../scripts/tsdoc-examples.js"

describe("TSDoc examples", () => {
  it("packages/test-frames: every example type-checks", () => {
    const { examples, failures } = checkPackage("packages/test-frames")
    expect(examples).toBeGreaterThan(30)
    expect(failures).toEqual([])
  }, 120_000)
})
