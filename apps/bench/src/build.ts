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
  loadgen: ["loadgen.c", "wsconn.c", "modes.c", "mode_conn.c", "sio.c", "hist.c", "sha1.c", "tls.c", "pmd.c", "json.c", "mode_deflate.c"],
  "echo-server": ["echo-server.c", "sha1.c"]
} as const
/**
 * Libraries each target links (after its sources): the load generator speaks TLS through OpenSSL
 * (`--tls`, tls.c) and permessage-deflate through zlib (`--deflate`, pmd.c).
 */
const libraries: Record<keyof typeof targets, ReadonlyArray<string>> = {
  loadgen: ["-lssl", "-lcrypto", "-lz"],
  "echo-server": []
}

export interface Binaries {
  readonly loadgen: string
  readonly echoServer: string
}

function newestSource(): number {
  // Any header or source change rebuilds both: they are small, and headers are shared.
  return Math.max(
    ...readdirSync(srcDir)
      .filter((f) => /\.[ch]$/.test(f))
      .map((f) => statSync(join(srcDir, f)).mtimeMs)
  )
}

/** Debian packages whose headers the load generator builds against, by the header they provide. */
const headerPackages = [
  { header: "/usr/include/openssl/ssl.h", pkg: "libssl-dev", why: "OpenSSL, for --tls" },
  { header: "/usr/include/zlib.h", pkg: "zlib1g-dev", why: "zlib, for --deflate" }
] as const

/**
 * The headers the load generator builds against (OpenSSL, zlib): Debian's packages, installed
 * here when missing (as root, or with `sudo -n`), the way scripts/test-setup.sh installs its packages.
 */
function ensureHeaders(log: (line: string) => void): void {
  const missing = headerPackages.filter((h) => !existsSync(h.header))
  if (missing.length === 0) return
  log(`installing ${missing.map((m) => `${m.pkg} (${m.why})`).join(", ")} for the load generator`)
  const asRoot = process.getuid?.() === 0 ? [] : ["sudo", "-n"]
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...asRoot, "env", "DEBIAN_FRONTEND=noninteractive", ...args]
    execFileSync(cmd!, rest, { stdio: ["ignore", "inherit", "inherit"] })
  }
  try {
    run(["apt-get", "update", "-q"])
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", ...missing.map((m) => m.pkg)])
  } catch (error) {
    const pkgs = missing.map((m) => m.pkg).join(" ")
    throw new Error(`the load generator needs these headers: install Debian's ${pkgs} (${(error as Error).message})`)
  }
}

/**
 * A self-signed certificate for the TLS scenarios, made once with openssl into bin/tls/ (the
 * load generator does not verify it; the servers only need one).
 */
export function benchCertificate(): { readonly cert: string; readonly key: string } {
  const dir = join(binDir, "tls")
  const out = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") }
  if (existsSync(out.cert) && existsSync(out.key)) return out
  mkdirSync(dir, { recursive: true })
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      out.key,
      "-out",
      out.cert,
      "-days",
      "3650",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1"
    ],
    { stdio: "ignore" }
  )
  return out
}

export function buildC(log: (line: string) => void = () => {}): Binaries {
  mkdirSync(binDir, { recursive: true })
  ensureHeaders(log)
  const newest = newestSource()
  for (const [name, sources] of Object.entries(targets)) {
    const out = join(binDir, name)
    if (existsSync(out) && statSync(out).mtimeMs >= newest) continue
    log(`building ${name} with cc -O2`)
    // Build to a private name, then rename: a concurrent run never sees a half-written binary.
    const tmp = `${out}.${process.pid}.tmp`
    execFileSync(
      "cc",
      ["-O2", "-Wall", "-pthread", "-o", tmp, ...sources.map((s) => join(srcDir, s)), ...libraries[name as keyof typeof targets]],
      {
        stdio: ["ignore", "inherit", "inherit"]
      }
    )
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
    execFileSync(
      join(repoRoot, "node_modules/.bin/esbuild"),
      [
        join(repoRoot, `apps/${app}/src/main.ts`),
        "--bundle",
        "--platform=node",
        "--format=esm",
        "--target=node20",
        `--outfile=${file}`,
        "--log-level=warning",
        // CommonJS dependencies (ioredis, for the bus) call require("events"): give the ESM bundle one.
        `--banner:js=import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);`
      ],
      { stdio: ["ignore", "inherit", "inherit"] }
    )
  }
  return out
}
