/**
 * The CI-sized codec fuzz: 100k inputs (valid streams, mutations, random frames, noise, valid and
 * mutated handshakes) through FrameParser, RequestHeadParser and validateUpgrade, with the same
 * checks as `pnpm fuzz` (which runs 10M). Seed from FUZZ_SEED or a fixed default; on a failure the
 * message names the index to replay with `pnpm fuzz --seed S --index I`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { generate, heapDrift, runFuzz } from "../src/fuzz-codec-core.js"

const seed = Number(process.env["FUZZ_SEED"] ?? 20261121) >>> 0
const COUNT = Number(process.env["FUZZ_COUNT"] ?? 100_000)

describe(`codec fuzz (seed ${seed}, ${COUNT} inputs)`, () => {
  let limit = Error.stackTraceLimit
  beforeAll(() => {
    limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0 // ProtocolError/HandshakeError are values; stacks are pure cost here
  })
  afterAll(() => {
    Error.stackTraceLimit = limit
  })

  it("inputs are reproducible from (seed, index)", () => {
    for (const i of [0, 1, 999, 123_456]) {
      const a = generate(seed, i)
      const b = generate(seed, i)
      expect(a.kind).toBe(b.kind)
      expect(Buffer.compare(a.bytes, b.bytes)).toBe(0)
      expect(a.sizes).toEqual(b.sizes)
    }
  })

  it("no exception, no hang, typed errors with valid codes, valid streams decode exactly", () => {
    const r = runFuzz({ seed, count: COUNT, heapEvery: 10_000, warmup: 20_000, maxFailures: 5 })
    const failures = r.failures.map(
      (f) => `index ${f.index} (${f.kind}): ${f.message} — replay: pnpm fuzz --seed ${seed} --index ${f.index}`
    )
    expect(failures).toEqual([])
    expect(r.count).toBe(COUNT)
    // Every kind and the main outcome classes were exercised.
    for (const kind of ["valid", "mutated", "frames", "noise", "request", "request-mutated"]) expect(r.kinds[kind] ?? 0).toBeGreaterThan(0)
    for (const outcome of ["frames", "closed", "error:1002", "error:1007", "error:1009", "upgrade", "handshake:400"]) {
      expect(r.outcomes[outcome] ?? 0).toBeGreaterThan(0)
    }
    // Memory flat: heap after full GC does not creep (generous bound for a short run).
    const h = heapDrift(r)
    if (h !== undefined) expect(h.drift).toBeLessThan(0.25)
  }, 240_000)
})
