/**
 * Runs the whole conformance suite (scaled sizes) against the wspipe echo server (apps/echo),
 * one `it` per category. Set WSPIPE_CONFORMANCE_URL=ws://127.0.0.1:PORT/ to test another server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CATEGORIES } from "../src/cases/index.js"
import { isBad } from "../src/report.js"
import { runCases } from "../src/runner.js"
import { startServer, type ServerProcess } from "../src/server-process.js"

let server: ServerProcess | undefined
let url = process.env.WSPIPE_CONFORMANCE_URL ?? ""

beforeAll(async () => {
  if (!url) {
    server = await startServer()
    url = server.url
  }
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe("conformance (scaled sizes)", () => {
  for (const cat of CATEGORIES) {
    it(`${cat.id} ${cat.title}: 0 FAILED, 0 NON-STRICT, 0 UNIMPLEMENTED`, async () => {
      const results = await runCases(cat.cases, { url })
      expect(results).toHaveLength(cat.cases.length)
      const bad = results.filter(isBad).map((r) => `${r.id} ${r.outcome}: ${r.detail}`)
      expect(bad).toEqual([])
    }, 120_000)
  }
})
