// The idle scenario's forced full GC (servers/gc-on-signal.mjs): every Node server started with
// `gcOnSignal` collects on request and reports the heap it keeps, and the C server is not sent a
// signal it would die of.
import { afterAll, describe, expect, it } from "vitest"
import { killAllChildren, type ServerSpec, startServer } from "../src/servers.js"

afterAll(() => killAllChildren())

// Holds 64 MiB of garbage (nothing refers to it) after its ready line: V8 keeps it until a full
// collection, which an idle process does not run by itself within the test's time.
const garbageServer = `
  let junk = []
  for (let i = 0; i < 64 * 1024; i++) junk.push({ a: "x".repeat(1000 + (i % 7)) })
  junk = null
  console.log("listening on ws://127.0.0.1:1/")
  setInterval(() => {}, 1000)
`
const spec = (cmd: string): ServerSpec => ({
  id: "ws",
  label: "garbage",
  command: () => ({ cmd, args: ["-e", garbageServer], env: { ...process.env } }),
  missing: () => null
})

describe("forced full GC before an idle reading", () => {
  it("collects the garbage a Node server holds and reports what it keeps", async () => {
    const server = await startServer(spec(process.execPath), "echo", null, { gcOnSignal: true, timeoutMs: 20_000 })
    try {
      expect(server.fullGc).not.toBeNull()
      const heapUsed = await server.fullGc!()
      // 64 MiB of strings before; a bare Node process keeps ~4 MiB after a full collection.
      expect(heapUsed).toBeGreaterThan(0)
      expect(heapUsed).toBeLessThan(16 * 1024 * 1024)
      // Asked again, it answers again (the listener stays).
      expect(await server.fullGc!()).toBeLessThan(16 * 1024 * 1024)
    } finally {
      await server.stop()
    }
  }, 30_000)

  it("gives no forced GC without the option, nor to a server that is not Node", async () => {
    const plain = await startServer(spec(process.execPath), "echo", null, { timeoutMs: 20_000 })
    await plain.stop()
    expect(plain.fullGc).toBeNull()
    // Not process.execPath: the preload cannot go in, so no SIGUSR2 is ever sent (it would kill it).
    const other = await startServer(spec("node"), "echo", null, { gcOnSignal: true, timeoutMs: 20_000 })
    await other.stop()
    expect(other.fullGc).toBeNull()
  }, 30_000)
})
