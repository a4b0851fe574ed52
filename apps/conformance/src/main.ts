/**
 * `pnpm conformance [--url ws://host:port/] [--full] [--only 6.4,7.9] [--out file] [--no-report]
 *                   [--max-message-size N] [--server-cmd "node other-server.mjs"]`
 *
 * Starts the wspipe echo server (apps/echo) unless --url is given, runs every case, prints one
 * line per case and a summary per category, and writes docs/conformance.md. Exit code 1 when any
 * case FAILED, is NON-STRICT or UNIMPLEMENTED.
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { performance } from "node:perf_hooks"
import { caseLine, isBad, markdown, summaryLines } from "./report.js"
import { allCases, DEFAULT_MAX_MESSAGE_SIZE, runCases } from "./runner.js"
import { startServer, type ServerProcess } from "./server-process.js"

const DEFAULT_OUT = fileURLToPath(new URL("../../../docs/conformance.md", import.meta.url))

const parseArgs = (argv: string[]) => {
  const o = {
    url: undefined as string | undefined,
    full: false,
    only: [] as string[],
    out: DEFAULT_OUT,
    report: true,
    max: DEFAULT_MAX_MESSAGE_SIZE,
    cmd: undefined as string[] | undefined
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === "--url") o.url = val()
    else if (a === "--full") o.full = true
    else if (a === "--only") o.only.push(...val().split(","))
    else if (a === "--out") o.out = val()
    else if (a === "--no-report") o.report = false
    else if (a === "--max-message-size") o.max = Number(val())
    else if (a === "--server-cmd") o.cmd = val().split(" ").filter(Boolean)
    else if (a === "--help" || a === "-h") {
      console.log(
        "usage: pnpm conformance [--url ws://127.0.0.1:PORT/] [--full] [--only 1.1,6.4] [--out FILE] [--no-report] [--max-message-size N] [--server-cmd CMD]"
      )
      process.exit(0)
    } else if (a !== "--") throw new Error(`unknown argument ${a}`)
  }
  return o
}

const main = async (): Promise<number> => {
  const args = parseArgs(process.argv.slice(2))
  let server: ServerProcess | undefined
  const stop = () => void server?.stop()
  process.once("SIGINT", () => {
    stop()
    process.exit(130)
  })
  try {
    if (args.url === undefined) {
      server = await startServer(args.cmd)
      console.log(`started ${args.cmd ? args.cmd.join(" ") : "wspipe echo server"}: ${server.url}`)
    }
    const url = args.url ?? server!.url
    const t0 = performance.now()
    const filter = args.only.length ? (id: string) => args.only.some((p) => id === p || id.startsWith(p + ".")) : undefined
    const results = await runCases(allCases(), {
      url,
      full: args.full,
      maxMessageSize: args.max,
      ...(filter ? { filter } : {}),
      onResult: (r) => console.log(caseLine(r))
    })
    console.log("")
    for (const l of summaryLines(results)) console.log(l)
    const bad = results.filter(isBad)
    console.log(
      `\n${bad.length === 0 ? "PASS" : `FAIL: ${bad.length} case(s) FAILED, NON-STRICT or UNIMPLEMENTED`} (${results.length} cases)`
    )
    if (args.report) {
      const server =
        args.url ?? (args.cmd ? `${args.cmd.join(" ")} (started by the runner)` : "wspipe echo server (apps/echo, started by the runner)")
      writeFileSync(
        args.out,
        markdown(results, { server, full: args.full, date: new Date().toISOString(), durationMs: performance.now() - t0 }) + "\n"
      )
      console.log(`report written to ${args.out}`)
    }
    return bad.length === 0 ? 0 : 1
  } finally {
    await server?.stop()
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.message)
    process.exit(2)
  }
)
