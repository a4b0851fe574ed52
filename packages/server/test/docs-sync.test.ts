/**
 * The guides never drift from the code: every TypeScript block in them starts with the path of
 * the example file it shows and is byte-identical to it, and every example file is shown somewhere.
 * (docs-examples.test.ts runs the examples.)
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const guides = ["docs/handler-fiber.md", "docs/callbacks.md", "docs/composing-pipelines.md", "docs/limits.md", "packages/server/README.md"]

// ---------------------------------------------------------------------------------------------
// (a) the guides show the files as they are

interface Block { readonly guide: string; readonly file: string | undefined; readonly text: string }

const blocks = (guide: string): Array<Block> => {
  const md = readFileSync(join(root, guide), "utf8")
  const out: Array<Block> = []
  const fence = /^```ts\n([\s\S]*?)^```$/gm
  for (let m = fence.exec(md); m !== null; m = fence.exec(md)) {
    const text = m[1]!
    const first = /^\/\/ (\S+\.ts)\n/.exec(text)
    out.push({ guide, file: first?.[1], text })
  }
  return out
}

describe("the guides show the example files byte for byte", () => {
  const all = guides.flatMap(blocks)

  it("finds example blocks", () => {
    expect(all.length).toBeGreaterThan(10)
  })

  for (const block of all) {
    it(`${block.guide}: ${block.file ?? "(unnamed block)"}`, () => {
      expect(block.file, "every ts block starts with // <path of the file it shows>").toBeDefined()
      expect(block.text).toBe(readFileSync(join(root, block.file!), "utf8"))
    })
  }

  it("shows every example file in some guide", () => {
    const shown = new Set(all.map((b) => b.file))
    const files = readdirSync(join(root, "packages/server/examples")).filter((f) => f.endsWith(".ts"))
    for (const f of files) expect(shown.has(`packages/server/examples/${f}`), f).toBe(true)
  })
})
