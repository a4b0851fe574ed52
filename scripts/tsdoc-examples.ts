/**
 * Every TSDoc `@example` in the packages' sources type-checks. Each ```ts block inside a `/** … *\/`
 * comment of `packages/<name>/src/**\/*.ts` becomes a module in `packages/<name>/.tsdoc-examples/`
 * and `tsc --noEmit` checks them all against the package (so `@wspipe/server`, `effect` resolve as
 * for a user). A block with no `import` line gets the package's prelude (`test/tsdoc/prelude.ts`,
 * e.g. the root namespaces) or, without one, an import of the names its own source module
 * exports; `test/tsdoc/globals.d.ts`, when present, declares the free variables examples use
 * (`socket`, `chunk`…). Anything else an example uses must be imported or declared in it.
 *
 * `node --import tsx scripts/tsdoc-examples.ts [packages/server …]` prints each failing example
 * with its source file and line, and exits 1 if any fails.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, isAbsolute, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

/** One example: where it is, and its code. */
export interface Example {
  readonly source: string
  readonly line: number
  readonly code: string
}

const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : []
  })

/** The ```ts blocks of a source file's doc comments. */
export const examplesOf = (source: string, text: string): Array<Example> => {
  const out: Array<Example> = []
  const comment = /\/\*\*([\s\S]*?)\*\//g
  for (let c = comment.exec(text); c !== null; c = comment.exec(text)) {
    const body = c[1]!.split("\n").map((line) => line.replace(/^\s*\* ?/, ""))
    const startLine = text.slice(0, c.index).split("\n").length
    for (let i = 0; i < body.length; i++) {
      if (body[i]!.trim() !== "```ts") continue
      const end = body.findIndex((l, j) => j > i && l.trim() === "```")
      if (end < 0) break
      out.push({ source, line: startLine + i + 1, code: body.slice(i + 1, end).join("\n") })
      i = end
    }
  }
  return out
}

/** The import line for a module's own exports (values and types apart: `verbatimModuleSyntax`). */
const ownImport = (text: string, from: string): string => {
  const values = new Set<string>()
  const types = new Set<string>()
  const decl = /^export (?:declare )?(const|function|class|abstract class|interface|type) (\w+)/gm
  for (let m = decl.exec(text); m !== null; m = decl.exec(text)) {
    if (m[1] === "interface" || m[1] === "type") types.add(m[2]!)
    else values.add(m[2]!)
  }
  for (const v of values) types.delete(v)
  const lines = []
  if (values.size > 0) lines.push(`import { ${[...values].join(", ")} } from "${from}"`)
  if (types.size > 0) lines.push(`import type { ${[...types].join(", ")} } from "${from}"`)
  return lines.join("\n") + "\n"
}

/** Writes the examples of one package and type-checks them; returns the failures' messages. */
export const checkPackage = (pkg: string): { readonly examples: number; readonly failures: Array<string> } => {
  const pkgDir = isAbsolute(pkg) ? pkg : join(root, pkg)
  const outDir = join(pkgDir, ".tsdoc-examples")
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const files = walk(join(pkgDir, "src"))
  const preludeFile = join(pkgDir, "test", "tsdoc", "prelude.ts")
  const prelude = existsSync(preludeFile) ? readFileSync(preludeFile, "utf8") : undefined
  const globalsFile = join(pkgDir, "test", "tsdoc", "globals.d.ts")
  if (existsSync(globalsFile)) writeFileSync(join(outDir, "globals.d.ts"), readFileSync(globalsFile, "utf8"))
  const where = new Map<string, Example>()
  let n = 0
  for (const file of files) {
    const text = readFileSync(file, "utf8")
    for (const example of examplesOf(relative(root, file), text)) {
      const name = `example-${String(++n).padStart(4, "0")}.ts`
      const imports = /^\s*import\s/m.test(example.code) ? "" : (prelude ?? ownImport(text, relative(outDir, file).replace(/\.ts$/, ".js")))
      writeFileSync(join(outDir, name), `// ${example.source}:${example.line}\n${imports}${example.code}\nexport {}\n`)
      where.set(name, example)
    }
  }
  writeFileSync(
    join(outDir, "tsconfig.json"),
    JSON.stringify({
      extends: join(root, "tsconfig.base.json"),
      compilerOptions: { noUnusedLocals: false, noUnusedParameters: false, typeRoots: [join(root, "node_modules/@types")] },
      include: ["*.ts"]
    })
  )
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", outDir, "--noEmit", "--pretty", "false"], {
      cwd: pkgDir,
      encoding: "utf8"
    })
    return { examples: n, failures: [] }
  } catch (error) {
    const output = String((error as { stdout?: string }).stdout ?? error)
    const failures = output
      .split("\n")
      .filter((l) => l.includes("error TS"))
      .map((l) => {
        const file = /example-\d+\.ts/.exec(l)?.[0]
        const example = file === undefined ? undefined : where.get(file)
        return example === undefined ? l : `${example.source}:${example.line}: ${l.slice(l.indexOf("error TS"))}`
      })
    return { examples: n, failures }
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const packages = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(join(root, "packages")).map((p) => `packages/${p}`)
  let failed = 0
  for (const pkg of packages) {
    if (!statSync(join(root, pkg, "src"), { throwIfNoEntry: false })?.isDirectory()) continue
    const { examples, failures } = checkPackage(pkg)
    console.log(`${pkg}: ${examples} examples, ${failures.length} errors`)
    for (const f of failures) console.log(`  ${f}`)
    failed += failures.length
  }
  process.exit(failed === 0 ? 0 : 1)
}
