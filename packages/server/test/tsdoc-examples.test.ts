/**
 * Every TSDoc `@example` in this package's sources type-checks against the package as a user
 * sees it (`scripts/tsdoc-examples.ts`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkPackage, examplesOf } from "../../../scripts/tsdoc-examples.js"

describe("TSDoc examples", () => {
  it("finds the ```ts blocks of doc comments, with their lines", () => {
    const text = [
      "/**",
      " * Adds.",
      " *",
      " * @example",
      " * ```ts",
      " * add(1, 2) // 3",
      " * ```",
      " */",
      "export const add = (a: number, b: number) => a + b"
    ].join("\n")
    expect(examplesOf("x.ts", text)).toEqual([{ source: "x.ts", line: 6, code: "add(1, 2) // 3" }])
  })

  it("reports an example that does not compile, with its file and line (the check can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsdoc-"))
    try {
      mkdirSync(join(dir, "src"))
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
      writeFileSync(
        join(dir, "src", "bad.ts"),
        [
          "/**",
          " * @example",
          " * ```ts",
          ' * const n: number = double("2")',
          " * ```",
          " */",
          "export const double = (n: number) => n * 2",
          ""
        ].join("\n")
      )
      const { examples, failures } = checkPackage(dir)
      expect(examples).toBe(1)
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatch(/bad\.ts:4: error TS2345/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it("packages/server: every example type-checks", () => {
    const { examples, failures } = checkPackage("packages/server")
    expect(examples).toBeGreaterThan(30)
    expect(failures).toEqual([])
  }, 120_000)
})
