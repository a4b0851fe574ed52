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
  loadgen: ["loadgen.c", "wsconn.c", "modes.c", "mode_conn.c", "hist.c", "sha1.c", "pmd.c", "json.c", "mode_deflate.c"],
  "echo-server": ["echo-server.c", "sha1.c"]
} as const
/** Libraries a target links (after its sources): zlib for permessage-deflate (pmd.c). */
const libraries: Partial<Record<keyof typeof targets, readonly string[]>> = { loadgen: ["-lz"] }

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
  ensureZlib(log)
  const newest = newestSource()
  for (const [name, sources] of Object.entries(targets)) {
    const out = join(binDir, name)
    if (existsSync(out) && statSync(out).mtimeMs >= newest) continue
    log(`building ${name} with cc -O2`)
    // Build to a private name, then rename: a concurrent run never sees a half-written binary.
    const tmp = `${out}.${process.pid}.tmp`
    execFileSync("cc", ["-O2", "-Wall", "-pthread", "-o", tmp, ...sources.map((s) => join(srcDir, s)), ...(libraries[name as keyof typeof targets] ?? [])], {
      stdio: ["ignore", "inherit", "inherit"]
    })
    renameSync(tmp, out)
  }
  return { loadgen: join(binDir, "loadgen"), echoServer: join(binDir, "echo-server") }
}

/**
 * The load generator's permessage-deflate needs zlib's headers (Debian's zlib1g-dev; the library
 * itself is always there). Installed with apt-get when missing and we are root, else a clear error.
 */
function ensureZlib(log: (line: string) => void): void {
  if (existsSync("/usr/include/zlib.h")) return
  if (process.getuid?.() !== 0) throw new Error("the load generator needs zlib's headers: apt-get install zlib1g-dev")
  log("installing zlib1g-dev (zlib.h) for the load generator")
  execFileSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "inherit", "inherit"] })
  execFileSync("apt-get", ["install", "-y", "-qq", "zlib1g-dev"], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
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
      // The apps run through @wspipe/bus-redis, whose ioredis is CommonJS and requires Node's
      // built-ins: an ESM bundle has no `require` unless it makes one.
      "--banner:js=import { createRequire as __wspipeRequire } from \"node:module\"; const require = __wspipeRequire(import.meta.url);"
    ], { stdio: ["ignore", "inherit", "inherit"] })
  }
  return out
}

