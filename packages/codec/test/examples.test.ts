/**
 * Every TSDoc `@example` in src/ compiles against the public API. Each ```ts block becomes its own
 * module that imports the root namespaces from "@wspipe/codec" (mapped to src/index.ts), with the
 * free variables examples use (`socket`, `chunk`, …) declared once with their types; then `tsc`
 * checks them all. An example that names something the root does not export fails here.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const SRC = fileURLToPath(new URL("../src/", import.meta.url))
const require = createRequire(import.meta.url)

const PRELUDE = `import { createHash } from "node:crypto"
import { Bytes, Close, Encoder, Extension, Frame, Handshake, HandshakeError, Http, Negotiation, Opcode, Parser,
  ProtocolError, Utf8 } from "@wspipe/codec"
`

/** The free variables of the examples: what the surrounding code of a real caller would have. */
const GLOBALS = `declare const socket: import("node:net").Socket
declare const sockets: ReadonlyArray<import("node:net").Socket>
declare const clients: ReadonlyArray<{ readonly socket: import("node:net").Socket }>
declare const server: import("node:http").Server
declare const chunk: Uint8Array
declare const bytes: Uint8Array
declare const oneMiB: Uint8Array
declare const userBytes: Uint8Array
declare const body: string
declare const key: string
declare const msg: string | import("@wspipe/codec").Frame.Frame
declare const head: import("@wspipe/codec").Http.RequestHead
declare const heads: import("@wspipe/codec").Http.RequestHeadParser
declare const complete: import("@wspipe/codec").Http.RequestHeadComplete
declare const req: import("@wspipe/codec").Handshake.UpgradeRequest
declare const parser: import("@wspipe/codec").Parser.FrameParser
declare const frameParser: import("@wspipe/codec").Parser.FrameParser
declare const sink: import("@wspipe/codec").Parser.Sink
declare const offers: ReadonlyArray<import("@wspipe/codec").Negotiation.ExtensionOffer>
declare const supported: ReadonlyArray<import("@wspipe/codec").Extension.Extension>
declare const permessageDeflate: import("@wspipe/codec").Extension.Extension
`

/** The ```ts blocks of the `@example` tags of one file, with their line numbers. */
const examples = (file: string): Array<{ line: number; code: string }> => {
  const lines = readFileSync(join(SRC, file), "utf8").split("\n")
  const out: Array<{ line: number; code: string }> = []
  let inExample = false
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/^\s*\* ?/, "")
    if (/@example/.test(lines[i]!)) inExample = true
    else if (inExample && text.startsWith("```ts")) {
      const code: string[] = []
      const start = i + 1
      while (!lines[++i]!.replace(/^\s*\* ?/, "").startsWith("```")) code.push(lines[i]!.replace(/^\s*\* ?/, ""))
      // The prelude already imports every root name.
      out.push({ line: start + 1, code: code.filter((l) => !/from "@wspipe\/codec"/.test(l)).join("\n") })
      inExample = false
    }
  }
  return out
}

it("every @example in src/ compiles against the root exports", () => {
  const dir = mkdtempSync(join(tmpdir(), "codec-examples-"))
  try {
    const files: string[] = []
    let count = 0
    for (const file of readdirSync(SRC).filter((f) => f.endsWith(".ts")).sort()) {
      for (const { line, code } of examples(file)) {
        const name = `${file.replace(/\.ts$/, "")}-${line}.ts`
        writeFileSync(join(dir, name), `${PRELUDE}// ${file}:${line}\n${code}\nexport {}\n`)
        files.push(name)
        count++
      }
    }
    writeFileSync(join(dir, "globals.d.ts"), GLOBALS)
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
    const root = join(SRC, "../../..")
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      extends: join(root, "tsconfig.base.json"),
      compilerOptions: {
        // Examples show one step of a caller: unused results and values are the point.
        noEmit: true,
        typeRoots: [join(root, "node_modules/@types")],
        paths: { "@wspipe/codec": [join(SRC, "index.ts")] }
      },
      files: ["globals.d.ts", ...files]
    }))
    const tsc = join(dirname(require.resolve("typescript/package.json")), "bin/tsc")
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" })
    expect(count).toBeGreaterThan(60)
    // Name the source line of each failing example (the generated files carry it in a comment).
    const report = (r.stdout + r.stderr).replace(/\S*codec-examples-[^/]+\/([\w-]+)-(\d+)\.ts/g, "src/$1.ts example at line $2")
    expect(report).toBe("")
    expect(r.status).toBe(0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)
