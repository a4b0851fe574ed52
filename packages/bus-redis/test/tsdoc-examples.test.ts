/** Every TSDoc `@example` in this package's sources type-checks (scripts/tsdoc-examples.ts). */
import { expect, it } from "vitest"
import { checkPackage } from "../../../scripts/tsdoc-examples.js"

it("packages/bus-redis: every example type-checks", () => {
  const { examples, failures } = checkPackage("packages/bus-redis")
  expect(examples).toBeGreaterThan(3)
  expect(failures).toEqual([])
}, 120_000)
