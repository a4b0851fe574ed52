/**
 * The guides never drift from the code: every TypeScript block in them starts with the path of
 * the example file it shows and is byte-identical to it, and every example file is shown somewhere.
 * (docs-examples.test.ts runs the examples.)
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const guides = [
  "README.md",
  "docs/architecture.md",
  "docs/handler-fiber.md",
  "docs/callbacks.md",
  "docs/composing-pipelines.md",
  "docs/running.md",
  "docs/limits.md",
  "docs/compression.md",
  "docs/design-decisions.md",
  "packages/server/README.md"
]

// ---------------------------------------------------------------------------------------------
// (a) the guides show the files as they are

interface Block {
  readonly guide: string
  readonly file: string | undefined
  readonly text: string
}

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

// ---------------------------------------------------------------------------------------------
// (b) the docs stand alone and name only what exists

const allDocs = [
  "README.md",
  "packages/server/README.md",
  "packages/codec/README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`)
]

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-")

const anchors = (file: string): Set<string> => {
  const md = readFileSync(join(root, file), "utf8").replace(/^```[\s\S]*?^```$/gm, "")
  return new Set([...md.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)))
}

describe("the docs stand alone", () => {
  // Design notes that are not in the repository, and APIs that no longer exist.
  const gone = [
    "DESIGN §",
    "DESIGN.md",
    "EFFECT4_NOTES",
    "../shared",
    "Flow.",
    "pauseReading",
    "Handler.busy",
    "parseListenArgs",
    "runMain(handler",
    "runMain(echo"
  ]
  for (const file of allDocs) {
    it(`${file} names nothing outside the repository or removed`, () => {
      const md = readFileSync(join(root, file), "utf8")
      for (const word of gone) expect(md.includes(word), `${file} mentions ${word}`).toBe(false)
    })

    it(`${file}: relative links and their anchors resolve`, () => {
      const md = readFileSync(join(root, file), "utf8").replace(/^```[\s\S]*?^```$/gm, "")
      for (const m of md.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!
        if (/^[a-z]+:/.test(target)) continue
        const [path, anchor] = target.split("#") as [string, string | undefined]
        const resolved = path === "" ? file : join(dirname(file), path)
        expect(existsSync(join(root, resolved)), `${file} links to ${target}`).toBe(true)
        if (anchor !== undefined && resolved.endsWith(".md")) {
          expect(anchors(resolved).has(anchor), `${file} links to ${target}: no such heading`).toBe(true)
        }
      }
    })
  }
})
