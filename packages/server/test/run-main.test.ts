/**
 * `parseListenArgs`: `--host`/`--port` flags (also `--flag=value`), `HOST`/`PORT`, defaults, errors.
 * `runMain`'s `compactHeap`: V8 compacts a fragmented old space on every full GC.
 */
import { execFile } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { parseListenArgs } from "../src/index.js"

const defaults = { host: "127.0.0.1", port: 9000 }

describe("parseListenArgs", () => {
  it("no flags and no env gives the defaults", () => {
    expect(parseListenArgs([], {}, defaults)).toEqual({ host: "127.0.0.1", port: 9000 })
  })

  it("--port 9100 --host 0.0.0.0", () => {
    expect(parseListenArgs(["--port", "9100", "--host", "0.0.0.0"], {}, defaults)).toEqual({ host: "0.0.0.0", port: 9100 })
  })

  it("--port=1 and --host=::1", () => {
    expect(parseListenArgs(["--port=1", "--host=::1"], {}, defaults)).toEqual({ host: "::1", port: 1 })
  })

  it("HOST and PORT from the environment", () => {
    expect(parseListenArgs([], { HOST: "10.0.0.1", PORT: "8080" }, defaults)).toEqual({ host: "10.0.0.1", port: 8080 })
  })

  it("flags win over the environment", () => {
    expect(parseListenArgs(["--port", "7000"], { HOST: "10.0.0.1", PORT: "8080" }, defaults)).toEqual({ host: "10.0.0.1", port: 7000 })
  })

  it("a leading -- (from pnpm run) is ignored", () => {
    expect(parseListenArgs(["--", "--port", "9001"], {}, defaults)).toEqual({ host: "127.0.0.1", port: 9001 })
  })

  it("port 0 (any free port) and 65535 are valid", () => {
    expect(parseListenArgs(["--port", "0"], {}, defaults)).toEqual({ host: "127.0.0.1", port: 0 })
    expect(parseListenArgs(["--port", "65535"], {}, defaults)).toEqual({ host: "127.0.0.1", port: 65535 })
  })

  it.each([
    [["--port"], /--port needs a value/],
    [["--host"], /--host needs a value/],
    [["--port", "abc"], /invalid port: abc/],
    [["--port", "65536"], /invalid port: 65536/],
    [["--port", "-1"], /invalid port: -1/],
    [["--port", "1.5"], /invalid port: 1.5/],
    [["--port="], /invalid port/],
    [["--verbose"], /unknown argument: --verbose/],
    [["9000"], /unknown argument: 9000/]
  ] as const)("%j is an error", (argv, message) => {
    const result = parseListenArgs(argv, {}, defaults)
    expect(result).toHaveProperty("error")
    expect((result as { error: string }).error).toMatch(message)
  })

  it("a bad PORT in the environment is an error", () => {
    expect(parseListenArgs([], { PORT: "http" }, defaults)).toEqual({ error: "invalid port: http" })
  })

  it("a value containing = is kept whole, not cut at the second =", () => {
    expect(parseListenArgs(["--port=1=2"], {}, defaults)).toEqual({ error: "invalid port: 1=2" })
    expect(parseListenArgs(["--host=a=b"], {}, defaults)).toEqual({ host: "a=b", port: 9000 })
  })
})

describe("runMain compactHeap", () => {
  const fragment = async (compact: "on" | "off") => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "test/support/heap-fragmentation.ts", "--port", "0"],
      { cwd: join(dirname(fileURLToPath(import.meta.url)), ".."), timeout: 30_000, env: { ...process.env, COMPACT_HEAP: compact } }
    )
    const line = stdout.split("\n").find((l) => l.startsWith("{"))!
    return JSON.parse(line) as { committed: number; used: number; kept: number }
  }

  it("on (the default): after churn, the old space commits little more than it uses", async () => {
    const on = await fragment("on")
    expect(on.kept).toBe(40_000)
    expect(on.committed / on.used).toBeLessThan(1.15)
  }, 40_000)

  it("off: the same churn leaves the old space fragmented (the control: the test can tell)", async () => {
    const off = await fragment("off")
    expect(off.committed / off.used).toBeGreaterThan(1.3)
  }, 40_000)
})
