/** Every TSDoc `@example` in the codec's sources type-checks against its root exports (scripts/tsdoc-examples.ts). */
import { expect, it } from "vitest"
import { checkPackage } from "../../../scripts/tsdoc-examples.js"

it("packages/codec: every example type-checks", () => {
  const { examples, failures } = checkPackage("packages/codec")
  expect(examples).toBeGreaterThan(90)
  expect(failures).toEqual([])
}, 120_000)
