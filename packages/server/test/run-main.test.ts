/**
 * Running a server as a program: `Cli.parse` (flags, environment, `--help`, errors), and
 * `Server.runMain` seen from outside — the ready line, exit 1 with one line when the start fails,
 * exit 2 on a bad flag, exit 0 with 1001 to every client on SIGTERM — and its `compactHeap`.
 */
import { execFile, spawn } from "node:child_process"
import * as Net from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import WebSocket from "ws"
import { Cli } from "../src/cli/index.js"
import { listeningUrl } from "./support/ready-line.js"

const flags = Cli.serverFlags({ host: "127.0.0.1", port: 9000 })
const parse = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => Cli.parse("test", "a test server", flags, argv, env)
const cwd = join(dirname(fileURLToPath(import.meta.url)), "..")

describe("Cli.parse", () => {
  it("no flags and no env leaves every option to its default", () => {
    expect(parse([])).toEqual({ _tag: "Run", options: {} })
  })

  it("--port 9100 --host 0.0.0.0, --port=1, sizes with suffixes", () => {
    expect(parse(["--port", "9100", "--host", "0.0.0.0"])).toEqual({ _tag: "Run", options: { host: "0.0.0.0", port: 9100 } })
    expect(parse(["--port=1", "--host=::1"])).toEqual({ _tag: "Run", options: { host: "::1", port: 1 } })
    expect(parse(["--max-message-size", "64k", "--max-frame-size", "1m", "--idle-timeout", "0", "--max-connections", "5"])).toEqual({
      _tag: "Run",
      options: { maxMessageSize: 65536, maxFrameSize: 1048576, idleTimeoutMs: 0, maxConnections: 5 }
    })
  })

  it("HOST and PORT from the environment; flags win; a leading -- (from pnpm run) is ignored", () => {
    expect(parse([], { HOST: "10.0.0.1", PORT: "8080" })).toEqual({ _tag: "Run", options: { host: "10.0.0.1", port: 8080 } })
    expect(parse(["--port", "7000"], { PORT: "8080" })).toEqual({ _tag: "Run", options: { port: 7000 } })
    expect(parse(["--", "--port", "9001"])).toEqual({ _tag: "Run", options: { port: 9001 } })
  })

  it.each([
    [["--port"], /--port/],
    [["--port", "abc"], /--port: expected an integer 0–65535, got "abc"/],
    [["--port", "65536"], /got "65536"/],
    [["--port", "-1"], /--port/],
    [["--port", "1.5"], /got "1.5"/],
    [["--max-message-size", "lots"], /--max-message-size: expected a size/],
    [["--verbose"], /--verbose/],
    [["9000"], /9000/]
  ] as const)("%j is invalid, with one line naming it", (argv, message) => {
    const result = parse(argv)
    expect(result._tag).toBe("Invalid")
    const text = (result as { message: string }).message
    expect(text).toMatch(message)
    expect(text).not.toContain("\n")
  })

  it("a bad PORT in the environment is invalid", () => {
    expect(parse([], { PORT: "http" })).toMatchObject({ _tag: "Invalid", message: expect.stringMatching(/--port.*"http"/) })
  })

  it("--help lists every flag with its default", () => {
    const result = parse(["--help"])
    expect(result._tag).toBe("Help")
    const text = (result as { text: string }).text
    for (const flag of flags) {
      const line = text.split("\n").find((l) => l.trimStart().startsWith(`--${flag.name}`))
      expect(line, flag.name).toBeDefined()
      expect(line).toContain(`default ${flag.defaultText}`)
    }
  })
})

/** Runs the test program as a child process. */
const program = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawn(process.execPath, ["--import", "tsx", "test/support/main-program.ts", ...args], { cwd, env: { ...process.env, ...env } })

const output = (child: ReturnType<typeof program>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d) => (stdout += String(d)))
    child.stderr!.on("data", (d) => (stderr += String(d)))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

describe("a server program (Cli.main + Server.runMain)", () => {
  it("--help exits 0 and prints the flags; an unknown flag exits 2 with one line", async () => {
    const help = await output(program(["--help"]))
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--port PORT")
    const bad = await output(program(["--frobnicate"]))
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split("\n")).toHaveLength(1)
    expect(bad.stderr).toContain("--frobnicate")
  }, 30_000)

  it("a port in use: exit 1 with one line saying so", async () => {
    const blocker = Net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const port = (blocker.address() as Net.AddressInfo).port
    try {
      const result = await output(program(["--port", String(port)]))
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}`)
      expect(result.stderr.trim().split("\n")).toHaveLength(1)
    } finally {
      blocker.close()
    }
  }, 30_000)

  it("prints its ready line, and on SIGTERM closes every client with 1001 and exits 0", async () => {
    const child = program([])
    const done = output(child)
    const url = await listeningUrl(child.stdout!)
    const ws = new WebSocket(url)
    await new Promise((resolve) => ws.once("open", resolve))
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)))
    child.kill("SIGTERM")
    expect(await closed).toBe(1001)
    expect((await done).code).toBe(0)
  }, 30_000)
})

describe("runMain compactHeap", () => {
  const fragment = async (compact: "on" | "off", env: Record<string, string> = {}) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "test/support/heap-fragmentation.ts"],
      { cwd, timeout: 30_000, env: { ...process.env, COMPACT_HEAP: compact, ...env } }
    )
    const line = stdout.split("\n").find((l) => l.startsWith("{"))!
    return JSON.parse(line) as { committed: number; used: number; kept: number }
  }

  it("on, every full GC (compactHeapEveryMs 0): after churn, the old space commits little more than it uses", async () => {
    const every = await fragment("on", { COMPACT_EVERY_MS: "0" })
    expect(every.kept).toBe(40_000)
    expect(every.committed / every.used).toBeLessThan(1.15)
  }, 40_000)

  it("off: the same churn leaves the old space fragmented (the control: the test can tell)", async () => {
    const off = await fragment("off")
    expect(off.committed / off.used).toBeGreaterThan(1.3)
  }, 40_000)

  it("on (the default): no full GC compacts in the first interval after start", async () => {
    // A fresh heap has nothing to undo, and a compacting GC there only lengthens the first pauses.
    const start = await fragment("on")
    expect(start.kept).toBe(40_000)
    expect(start.committed / start.used).toBeGreaterThan(1.3)
  }, 40_000)

  it("at most one compacting full GC per compactHeapEveryMs: within it the fragmentation stays, after it it goes", async () => {
    // A full GC, then the churn once runMain has seen it: with 60 s between compactions the churn's GCs do not
    // compact; with 50 ms they do again.
    const within = await fragment("on", { FIRST_GC: "yes", COMPACT_EVERY_MS: "60000" })
    expect(within.committed / within.used).toBeGreaterThan(1.3)
    const after = await fragment("on", { FIRST_GC: "yes", COMPACT_EVERY_MS: "50" })
    expect(after.committed / after.used).toBeLessThan(1.15)
  }, 40_000)
})

describe("Cli.parse: compression", () => {
  it("--no-deflate turns permessage-deflate off; without it the server's default applies", () => {
    expect(parse(["--no-deflate"])).toEqual({ _tag: "Run", options: { perMessageDeflate: false } })
    expect(parse([])).toEqual({ _tag: "Run", options: {} })
  })
})
