// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time per function, and per
// area of code (wspipe packages, effect, ws, node internals, GC), by summing the samples.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
}
interface CpuProfile {
  readonly startTime: number
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface SelfTime {
  readonly name: string
  readonly where: string
  readonly area: string
  readonly ms: number
  readonly share: number
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly top: readonly SelfTime[]
  readonly areas: readonly { area: string; ms: number; share: number }[]
}

/** Which part of the stack a function belongs to, from its script URL. */
export function areaOf(url: string, name: string): string {
  if (name === "(garbage collector)") return "GC"
  if (name === "(idle)") return "idle"
  if (name === "(program)" || name === "(root)") return "V8/native (program)"
  if (url.includes("/packages/codec/")) return "wspipe codec"
  if (url.includes("/packages/server/")) return "wspipe server"
  if (url.includes("/apps/")) return "wspipe app"
  if (url.includes("node_modules/effect") || url.includes("/effect/dist/")) return "effect"
  if (url.startsWith("node:")) return "node internals"
  if (url === "") return "native/builtins"
  return "other"
}

function shortUrl(url: string): string {
  const m = /(packages\/[^/]+\/.*|apps\/[^/]+\/.*|effect\/(?:dist|src)\/.*|node:.*)$/.exec(url)
  return m ? m[1]! : url.split("/").slice(-2).join("/")
}

/**
 * Sums self time over the main-thread .cpuprofile files in `dir` (names end in
 * PID.THREAD.SEQ.cpuprofile; thread 0 is the main one, others are e.g. tsx's loader worker),
 * keeping only samples inside `windowUs` (CLOCK_MONOTONIC µs, the profile's clock) when given,
 * so start-up (module loading, compiling) does not drown the steady state. Idle is left out.
 */
export function summariseProfiles(dir: string, top = 20, windowUs?: readonly [number, number]): ProfileSummary | null {
  const files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))
  if (files.length === 0) return null
  const byFunction = new Map<string, { name: string; where: string; area: string; us: number }>()
  const byArea = new Map<string, number>()
  let total = 0
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
    let t = profile.startTime
    for (let i = 0; i < profile.samples.length; i++) {
      const us = profile.timeDeltas[i] ?? 0
      t += us
      if (windowUs && (t < windowUs[0] || t > windowUs[1])) continue
      const node = nodes.get(profile.samples[i]!)
      if (!node) continue
      const { functionName, url, lineNumber } = node.callFrame
      const name = functionName || "(anonymous)"
      const area = areaOf(url, name)
      if (area === "idle") continue
      total += us
      byArea.set(area, (byArea.get(area) ?? 0) + us)
      // tsx compiles each .ts file to one line, so there a position says nothing: name the file
      // only (the unnamed functions of a file then add up into one row).
      const where = !url ? "" : lineNumber === 0 && /\.[cm]?tsx?$/.test(url) ? shortUrl(url) : `${shortUrl(url)}:${lineNumber + 1}`
      const key = `${name}@${where}`
      const entry = byFunction.get(key) ?? { name, where, area, us: 0 }
      entry.us += us
      byFunction.set(key, entry)
    }
  }
  const share = (us: number) => (total > 0 ? us / total : 0)
  return {
    totalMs: total / 1000,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, area: e.area, ms: e.us / 1000, share: share(e.us) })),
    areas: [...byArea.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, share: share(us) }))
  }
}

export function formatProfile(title: string, s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  const lines = [
    `#### ${title}`,
    "",
    `${s.totalMs.toFixed(0)} ms of non-idle CPU samples in the measured window. By area:`,
    "",
    "| area | self ms | share |",
    "| --- | ---: | ---: |",
    ...s.areas.map((a) => `| ${a.area} | ${a.ms.toFixed(0)} | ${pct(a.share)} |`),
    "",
    "Top functions by self time (TypeScript run through tsx has no line numbers: its unnamed functions are summed per file):",
    "",
    "| function | where | area | self ms | share |",
    "| --- | --- | --- | ---: | ---: |",
    ...s.top.map(
      (t) => `| \`${t.name.replace(/\|/g, "\\|")}\` | ${t.where.replace(/\|/g, "\\|")} | ${t.area} | ${t.ms.toFixed(0)} | ${pct(t.share)} |`
    )
  ]
  return lines.join("\n")
}
