/**
 * Writes a script's results into docs/reliability.md between `<!-- NAME:begin -->` and
 * `<!-- NAME:end -->`, leaving everything else (the human-written part, other sections) alone.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { repoRoot } from "./child.js"

export const docsFile = join(repoRoot, "docs", "reliability.md")

export const writeSection = (name: "fuzz" | "soak" | "soak-deflate" | "socket-fuzz", markdown: string): void => {
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  const body = `${begin}\n${markdown.trim()}\n${end}`
  const text = existsSync(docsFile) ? readFileSync(docsFile, "utf8") : "# Reliability\n"
  const a = text.indexOf(begin)
  const b = text.indexOf(end)
  const next = a >= 0 && b > a ? text.slice(0, a) + body + text.slice(b + end.length) : text.trimEnd() + "\n\n" + body + "\n"
  writeFileSync(docsFile, next)
  process.stdout.write(`results written to ${docsFile} (${name} section)\n`)
}

export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1) + " MiB"
export const pct = (x: number): string => (x * 100).toFixed(2) + " %"
export const fmt = (n: number): string => Math.round(n).toLocaleString("en-US")
