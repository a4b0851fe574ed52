/**
 * Importing the package does not evaluate ioredis: a program that has it as a dependency but runs
 * without Redis (the bundled apps without `--redis`) pays nothing for the client at start-up,
 * where evaluating it made V8 grow the young generation (docs/benchmarks.md).
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const cwd = new URL("..", import.meta.url).pathname

/** Whether a module under node_modules/ioredis was loaded after importing the package (a child process). */
const ioredisLoaded = async (after: string): Promise<boolean> => {
  const script = `
    const { createRequire } = await import("node:module")
    const Module = createRequire(import.meta.url)("node:module")
    ${after}
    const loaded = Object.keys(Module._cache).some((file) => file.includes("/ioredis/"))
    process.stdout.write(JSON.stringify({ loaded }))
    process.exit(0)
  `
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd,
    timeout: 30_000
  })
  return (JSON.parse(stdout) as { loaded: boolean }).loaded
}

describe("the Redis client is loaded when a transport is made", () => {
  it("importing @wspipe/bus-redis (runScaled, RedisTransport) loads no ioredis module", async () => {
    expect(await ioredisLoaded(`await import("./src/index.ts")`)).toBe(false)
  }, 40_000)

  it("the control: importing ioredis itself shows up (the check can tell)", async () => {
    expect(await ioredisLoaded(`await import("./src/index.ts"); await import("ioredis")`)).toBe(true)
  }, 40_000)
})
