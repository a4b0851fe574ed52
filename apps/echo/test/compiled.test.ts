/**
 * The echo app as `pnpm echo` runs it: the esbuild bundle under plain `node`, not TypeScript
 * through tsx. The bundle carries CommonJS dependencies (ioredis, for `--redis`), which need a
 * real `require` inside an ES module bundle; without it the program dies at its first line
 * ("Dynamic require of "events" is not supported"). So: build it as the package does, run it,
 * echo one message over ws:// and one over wss:// (`--tls-cert`/`--tls-key`), stop it with SIGTERM.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

const cwd = join(dirname(fileURLToPath(import.meta.url)), "..")
let certs: string

beforeAll(() => {
  // The package's own build script, as turbo runs it for `pnpm echo`.
  const built = spawnSync("npm", ["run", "--silent", "build"], { cwd, encoding: "utf8" })
  expect(built.status, built.stderr).toBe(0)
  certs = mkdtempSync(join(tmpdir(), "wspipe-echo-tls-"))
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(certs, "key.pem"),
      "-out",
      join(certs, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1"
    ],
    { stdio: "ignore" }
  )
}, 60_000)

afterAll(() => rmSync(certs, { recursive: true, force: true }))

/** Starts `node dist/main.js`, resolves with its ready line's URL. */
const start = (args: ReadonlyArray<string>): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> => {
  const child = spawn(process.execPath, ["dist/main.js", "--port", "0", ...args], { cwd })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  let stdout = ""
  let stderr = ""
  child.stderr!.on("data", (d) => (stderr += String(d)))
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += String(d)
      const ready = /listening on (wss?:\/\/\S+)/.exec(stdout)
      if (ready !== null) resolve({ child, url: ready[1]!, exited })
    })
    void exited.then((code) => reject(new Error(`dist/main.js exited ${code} before its ready line; stderr:\n${stderr}`)))
  })
}

const echo = (url: string, options: WebSocket.ClientOptions = {}): Promise<string> =>
  new Promise((resolve, reject) => {
    const client = new WebSocket(url, options)
    client.on("open", () => client.send("hello, compiled"))
    client.on("message", (data) => {
      resolve(String(data))
      client.close(1000)
    })
    client.on("error", reject)
  })

describe("the compiled echo app (node apps/echo/dist/main.js)", () => {
  it("starts, echoes over ws://, and exits 0 on SIGTERM", async () => {
    const app = await start([])
    expect(app.url).toMatch(/^ws:\/\//)
    expect(await echo(app.url)).toBe("hello, compiled")
    app.child.kill("SIGTERM")
    expect(await app.exited).toBe(0)
  }, 30_000)

  it("serves wss:// with --tls-cert and --tls-key", async () => {
    const app = await start(["--tls-cert", join(certs, "cert.pem"), "--tls-key", join(certs, "key.pem")])
    expect(app.url).toMatch(/^wss:\/\//)
    expect(await echo(app.url, { rejectUnauthorized: false })).toBe("hello, compiled")
    app.child.kill("SIGTERM")
    expect(await app.exited).toBe(0)
  }, 30_000)
})
