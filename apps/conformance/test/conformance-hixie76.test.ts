/**
 * `pnpm echo --hixie76` serves both protocols on one port: the RFC 6455 suite stays clean with
 * draft-hixie-76 accepted beside it, and a draft-76 client gets its echo from the same process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRequire } from "node:module"
import { Hixie76Client } from "../../../packages/codec/test/hixie76/support/client.js"
import { CATEGORIES } from "../src/cases/index.js"
import { isBad } from "../src/report.js"
import { runCases } from "../src/runner.js"
import { ECHO_MAIN, startServer, type ServerProcess } from "../src/server-process.js"

let server: ServerProcess | undefined

beforeAll(async () => {
  server = await startServer([process.execPath, createRequire(import.meta.url).resolve("tsx/cli"), ECHO_MAIN, "--hixie76"])
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe("conformance with --hixie76 (scaled sizes)", () => {
  it("a draft-76 client is echoed by the same process", async () => {
    const client = await Hixie76Client.connect(Number(new URL(server!.url).port))
    client.send("from 2010")
    expect(await client.next()).toMatchObject({ type: "text", text: "from 2010" })
    client.close()
    expect((await client.until("end")).map((e) => e.type)).toEqual(["close", "end"])
  })

  for (const cat of CATEGORIES) {
    if (cat.id === "12" || cat.id === "13") continue
    it(`${cat.id} ${cat.title}: 0 FAILED, 0 NON-STRICT`, async () => {
      const results = await runCases(cat.cases, { url: server!.url })
      const bad = results.filter(isBad).map((r) => `${r.id} ${r.outcome}: ${r.detail}`)
      expect(bad).toEqual([])
    }, 120_000)
  }
})
