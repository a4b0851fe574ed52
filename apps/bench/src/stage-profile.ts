// Per-stage CPU of a bundled wspipe server, from `node --cpu-prof` profiles: every sample is given
// to the innermost frame of ours on its stack (its source file, known from esbuild's `// path`
// comments in the bundle), so Effect's runtime, Node's streams and the kernel calls an actor makes
// count for that actor. Samples with none of our frames on the stack are Node's own work (accept,
// socket set-up and teardown, timers), Effect's scheduler turns, or GC.
//
// usage: npx tsx src/stage-profile.ts bin/wspipe-echo.mjs bin/profiles/connect-c100 [from-ms to-ms]
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

interface Frame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface Node {
  readonly id: number
  readonly callFrame: Frame
  readonly children?: readonly number[]
}
interface CpuProfile {
  readonly startTime: number
  readonly nodes: readonly Node[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** The source file of each line of the bundle (esbuild writes `// path` before each module). */
const sourceLines = (bundle: string): Array<string> => {
  const lines = readFileSync(bundle, "utf8").split("\n")
  const out: Array<string> = []
  let current = "(bundle)"
  for (const line of lines) {
    const m = /^\/\/ (\.\.\/\.\.\/|src\/)(.*\.[cm]?[jt]s)$/.exec(line)
    if (m) current = m[2]!
    out.push(current)
  }
  return out
}

/** What a source file is, as a stage of the pipeline. */
const stageOf = (file: string): string | undefined => {
  if (file.includes("/effect/dist/")) return undefined
  if (/codec\/src\/(http|handshake|negotiation|extension)/.test(file)) return "handshake: head parser, validation (codec)"
  if (/connection\/(upgrade|handshake|admission|origin|address-limits|client-address|plain-http)/.test(file))
    return "handshake: upgrade, 101 (server)"
  if (file.includes("connection/enter")) return "entering the pipeline (enter.ts)"
  if (file.includes("connection/idle-watch")) return "idle watch"
  if (file.includes("socket-receiver")) return "socket receiver"
  if (file.includes("actors/receiver") || /codec\/src\/(parser|span|utf8|bytes|close|opcode|frame)\.ts/.test(file))
    return "receiver (decode)"
  if (
    file.includes("runtime/inbox") ||
    file.includes("actors/handler") ||
    file.startsWith("packages/server/../../apps") ||
    /apps\/(echo|chat)/.test(file)
  )
    return "handler (inbox, echo)"
  if (file.includes("socket-sender")) return "socket sender (write)"
  if (/actors\/sender|codec\/src\/encoder|messages\/(prepared|outbound)/.test(file)) return "sender (route, frame, close)"
  if (file.includes("runtime/scheduler")) return "Effect scheduler turn (fiber resumes)"
  if (file.includes("runtime/recorder") || file.includes("runtime/metrics")) return "metrics"
  if (file.startsWith("packages/") || file.startsWith("apps/")) return `other: ${file}`
  return undefined
}

export const stageProfile = (bundle: string, dir: string, windowMs?: readonly [number, number]) => {
  const lineFile = sourceLines(bundle)
  const rows = new Map<string, number>()
  let total = 0
  for (const f of readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))) {
    const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile
    const byId = new Map(p.nodes.map((n) => [n.id, n]))
    const parent = new Map<number, number>()
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
    const stageCache = new Map<number, string>()
    const stageOfNode = (id: number): string => {
      const cached = stageCache.get(id)
      if (cached !== undefined) return cached
      const leaf = byId.get(id)!.callFrame
      let stage: string | undefined
      let sawEffect = false
      for (let cur: number | undefined = id; cur !== undefined && stage === undefined; cur = parent.get(cur)) {
        const frame = byId.get(cur)!.callFrame
        if (frame.url.endsWith(".mjs")) {
          const file = lineFile[frame.lineNumber] ?? ""
          if (file.includes("/effect/dist/")) sawEffect = true
          stage = stageOf(file)
        }
      }
      if (stage === undefined) {
        const name = leaf.functionName
        if (name === "(garbage collector)") stage = "GC"
        else if (name === "(program)") stage = "V8 (program)"
        else if (sawEffect) stage = "Effect runtime, outside our frames"
        else if (leaf.url.startsWith("node:") || leaf.url === "") stage = "Node: accept, socket set-up/teardown, timers"
        else stage = "other"
      }
      stageCache.set(id, stage)
      return stage
    }
    let t = p.startTime
    for (let i = 0; i < p.samples.length; i++) {
      const us = p.timeDeltas[i] ?? 0
      t += us
      if (windowMs && (t - p.startTime < windowMs[0] * 1000 || t - p.startTime > windowMs[1] * 1000)) continue
      const node = byId.get(p.samples[i]!)
      if (!node || node.callFrame.functionName === "(idle)") continue
      const stage = stageOfNode(node.id)
      rows.set(stage, (rows.get(stage) ?? 0) + us)
      total += us
    }
  }
  return {
    totalMs: total / 1000,
    rows: [...rows.entries()].sort((a, b) => b[1] - a[1]).map(([stage, us]) => ({ stage, ms: us / 1000, share: us / total }))
  }
}

if (process.argv[1]?.endsWith("stage-profile.ts")) {
  const [bundle, dir, from, to] = process.argv.slice(2)
  const s = stageProfile(bundle!, dir!, from !== undefined ? [Number(from), Number(to)] : undefined)
  console.log(`${s.totalMs.toFixed(0)} ms of non-idle samples\n\n| stage | ms | share |\n| --- | ---: | ---: |`)
  for (const r of s.rows) console.log(`| ${r.stage} | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % |`)
}
