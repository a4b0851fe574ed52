// Builds the C load generator and the C reference echo server with the machine's `cc`,
// into apps/bench/bin/ (gitignored), when a binary is missing or older than its sources.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
export const binDir = join(benchDir, "bin")
const srcDir = join(benchDir, "loadgen")

const targets = {
  loadgen: ["loadgen.c", "wsconn.c", "modes.c", "mode_conn.c", "sio.c", "hist.c", "sha1.c"],
  "echo-server": ["echo-server.c", "sha1.c"]
} as const

export interface Binaries {
  readonly loadgen: string
  readonly echoServer: string
}

function newestSource(): number {
  // Any header or source change rebuilds both: they are small, and headers are shared.
  return Math.max(...readdirSync(srcDir).filter((f) => /\.[ch]$/.test(f)).map((f) => statSync(join(srcDir, f)).mtimeMs))
}

export function buildC(log: (line: string) => void = () => {}): Binaries {
  mkdirSync(binDir, { recursive: true })
  const newest = newestSource()
  for (const [name, sources] of Object.entries(targets)) {
    const out = join(binDir, name)
    if (existsSync(out) && statSync(out).mtimeMs >= newest) continue
    log(`building ${name} with cc -O2`)
    // Build to a private name, then rename: a concurrent run never sees a half-written binary.
    const tmp = `${out}.${process.pid}.tmp`
    execFileSync("cc", ["-O2", "-Wall", "-pthread", "-o", tmp, ...sources.map((s) => join(srcDir, s))], {
      stdio: ["ignore", "inherit", "inherit"]
    })
    renameSync(tmp, out)
  }
  return { loadgen: join(binDir, "loadgen"), echoServer: join(binDir, "echo-server") }
}

/**
 * Bundles the wspipe apps into plain JavaScript (`bin/wspipe-echo.mjs`, `bin/wspipe-chat.mjs`),
 * the way a production deployment runs them: compiled, under plain `node`. Running the
 * TypeScript through tsx instead would add its transform's per-closure `__name` wrappers to every
 * connection, which ws (plain JS) does not pay.
 */
export function buildWspipe(log: (line: string) => void = () => {}): { readonly echo: string; readonly chat: string } {
  mkdirSync(binDir, { recursive: true })
  const repoRoot = resolve(benchDir, "../..")
  const out = { echo: join(binDir, "wspipe-echo.mjs"), chat: join(binDir, "wspipe-chat.mjs") }
  for (const [app, file] of Object.entries(out)) {
    log(`bundling apps/${app} with esbuild`)
    execFileSync(join(repoRoot, "node_modules/.bin/esbuild"), [
      join(repoRoot, `apps/${app}/src/main.ts`),
      "--bundle", "--platform=node", "--format=esm", "--target=node20", `--outfile=${file}`, "--log-level=warning",
      // CommonJS dependencies (ioredis, for the bus) call require("events"): give the ESM bundle one.
      `--banner:js=import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);`
    ], { stdio: ["ignore", "inherit", "inherit"] })
  }
  return out
}

