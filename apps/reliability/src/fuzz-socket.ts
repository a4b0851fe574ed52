/**
 * `pnpm fuzz:socket [--frames 100k] [--parallel 50] [--seed S] [--check-every 200] [--url ws://…]
 *  [--docs no]`   Replay one case: `pnpm fuzz:socket --seed S --case I`.
 *
 * Random valid and invalid frame streams over real connections to the echo app (started as a
 * child process unless --url is given), sent in random chunks with random pauses, `--parallel`
 * connections at a time. Each connection must end as its case says (socket-cases.ts): correct
 * echoes and pongs, then the expected Close code (1002/1007/1009, or our own Close echoed), or
 * the server ending TCP after a half-sent frame. Every `--check-every` connections and at the end,
 * the server must be alive and answer a fresh echo.
 */
import { Close } from "@wspipe/codec"
import { mkdirSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { closePayload, frame } from "@wspipe/test-frames"
import { fail, num, parseFlags } from "./lib/args.js"
import { repoRoot, startEcho, type EchoServer } from "./lib/child.js"
import { RawConn, stopWatchdog, type Incoming } from "./lib/conn.js"
import { fmt, writeSection } from "./lib/report.js"
import { randomSeed } from "./lib/rng.js"
import { INTENT_CODE, makeCase, type SocketCase } from "./socket-cases.js"

const flags = parseFlags(process.argv.slice(2), ["frames", "parallel", "seed", "check-every", "url", "docs", "case"])
const seed = flags["seed"] !== undefined ? num(flags, "seed", 0) >>> 0 : randomSeed()
const totalFrames = Math.floor(num(flags, "frames", 100_000))
const parallel = Math.max(1, Math.floor(num(flags, "parallel", 50)))
const checkEvery = Math.max(1, Math.floor(num(flags, "check-every", 200)))
const WAIT_MS = 15_000
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0

/** Runs one case on a fresh connection; returns an outcome label, or "FAIL: …". */
const runCase = async (port: number, c: SocketCase): Promise<string> => {
  // The case's intended class and the codec oracle must agree before the server is asked.
  const intended = INTENT_CODE[c.intent]
  if (intended !== undefined && (c.end.type !== "error" || c.end.code !== intended)) {
    return `FAIL: codec oracle says ${JSON.stringify(c.end)} for "${c.what}", intended ${intended}`
  }
  const conn = await RawConn.open(port, WAIT_MS)
  if (typeof conn === "string") return `FAIL: connect ${conn}`
  try {
    let at = 0
    for (let i = 0; i < c.sizes.length; i++) {
      if (c.pauses[i]! > 0) await sleep(c.pauses[i]!)
      conn.write(c.bytes.subarray(at, at + c.sizes[i]!))
      at += c.sizes[i]!
    }
    if (c.end.type === "open") conn.write(frame(8, closePayload(1000)))
    if (c.end.type === "incomplete") conn.socket.end() // half-close: the server sees EOF mid-frame
    const messages: Incoming[] = []
    const pongs: Uint8Array[] = []
    let close: { code: number } | undefined
    for (;;) {
      const e = await conn.next(WAIT_MS)
      if (e.type === "message") messages.push(e)
      else if (e.type === "pong") pongs.push(e.data)
      else if (e.type === "ping") conn.write(frame(10, e.data))
      else if (e.type === "close") close = { code: e.code }
      else if (e.type === "violation") return `FAIL: server frame violation: ${e.reason}`
      else if (e.type === "timeout") return `FAIL: no EOF within ${WAIT_MS} ms (close ${close?.code ?? "none"}, ${messages.length} echoes)`
      else break // eof or socket error (a reset after the server's Close is fine)
    }
    // Echoes: exactly the messages before the end, in order; pongs likewise.
    if (messages.length !== c.echoes.length)
      return `FAIL: ${messages.length} echoes, expected ${c.echoes.length} (end ${c.end.type}${"code" in c.end ? " " + c.end.code : ""}, close ${close?.code ?? "none"})`
    for (let i = 0; i < messages.length; i++) {
      const got = messages[i]! as Incoming & { type: "message" }
      const want = c.echoes[i]! as { type: "text" | "binary"; data: Uint8Array }
      if (got.kind !== want.type || !same(got.data, want.data))
        return `FAIL: echo ${i} differs (${got.kind} ${got.data.length} B vs ${want.type} ${want.data.length} B)`
    }
    if (pongs.length !== c.pongs.length || pongs.some((p, i) => !same(p, c.pongs[i]!)))
      return `FAIL: ${pongs.length} pongs, expected ${c.pongs.length} (or payload differs)`
    if (close !== undefined && close.code !== 1005 && !Close.isValidWireCode(close.code))
      return `FAIL: invalid close code ${close.code} on the wire`
    switch (c.end.type) {
      case "error":
        if (close === undefined) return `FAIL: no Close frame, expected ${c.end.code}`
        if (close.code !== c.end.code) return `FAIL: close ${close.code}, expected ${c.end.code} (${c.what})`
        return `close ${close.code}`
      case "close": {
        const want = c.end.code
        if (close === undefined) return `FAIL: our Close ${want} was not answered`
        if (close.code !== want) return `FAIL: our Close ${want} answered with ${close.code}`
        return "echoes + close echoed"
      }
      case "open":
        if (close?.code !== 1000) return `FAIL: our Close 1000 answered with ${close?.code ?? "nothing"}`
        return "echoes + close echoed"
      case "incomplete":
        return close === undefined ? "half-sent frame → TCP closed" : `half-sent frame → close ${close.code}`
    }
  } finally {
    conn.destroy()
  }
}

/** The liveness check: the child still runs and a fresh connection gets an echo. */
const liveness = async (server: EchoServer | undefined, port: number): Promise<string | undefined> => {
  if (server !== undefined && !server.alive()) return `server process died:\n${server.stderr()}`
  const conn = await RawConn.open(port, WAIT_MS)
  if (typeof conn === "string") return `fresh connection failed: ${conn}`
  try {
    const text = Buffer.from(`liveness ${Date.now()}`)
    conn.write(frame(1, text))
    const e = await conn.next(WAIT_MS)
    if (e.type !== "message" || !same(e.data, text)) return `fresh echo failed: got ${e.type}`
    conn.write(frame(8, closePayload(1000)))
    const c = await conn.next(WAIT_MS)
    return c.type === "close" && c.code === 1000 ? undefined : `fresh close failed: got ${c.type}`
  } finally {
    conn.destroy()
  }
}

const saveRepro = (c: SocketCase, label: string): string => {
  const dir = join(repoRoot, "apps", "reliability", "repro")
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `socket-${seed}-${c.index}.json`)
  writeFileSync(
    file,
    JSON.stringify(
      {
        seed,
        case: c.index,
        intent: c.intent,
        what: c.what,
        result: label,
        end: c.end,
        chunkSizes: c.sizes,
        pauses: c.pauses,
        bytesBase64: Buffer.from(c.bytes).toString("base64")
      },
      null,
      1
    ) + "\n"
  )
  return relative(repoRoot, file)
}

const main = async (): Promise<void> => {
  let server: EchoServer | undefined
  let port: number
  if (flags["url"] !== undefined) {
    const url = new URL(flags["url"])
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") fail("--url must point at 127.0.0.1")
    port = Number(url.port)
  } else {
    server = await startEcho()
    port = server.port
  }
  if (flags["case"] !== undefined) {
    const c = makeCase(seed, num(flags, "case", 0))
    console.log(
      `case ${c.index}: ${c.intent} (${c.what}), ${c.bytes.length} bytes in ${c.sizes.length} chunks, expect ${JSON.stringify(c.end)}, ${c.echoes.length} echoes, ${c.pongs.length} pongs`
    )
    console.log(`result: ${await runCase(port, c)}`)
    await server?.stop()
    process.exit(0)
  }
  console.log(
    `socket fuzz: seed ${seed}, ≥ ${fmt(totalFrames)} frames, ${parallel} connections at a time, server ${server?.url ?? flags["url"]}` +
      `\nreplay a case with: pnpm fuzz:socket --seed ${seed} --case <i>`
  )
  const outcomes: Record<string, number> = {}
  const byIntent: Record<string, number> = {}
  const failures: string[] = []
  let frames = 0
  let next = 0
  let done = 0
  let checks = 0
  let dead: string | undefined
  const t0 = Date.now()
  const worker = async (): Promise<void> => {
    while (frames < totalFrames && dead === undefined && failures.length < 1000) {
      const c = makeCase(seed, next++)
      frames += c.frames
      byIntent[c.intent] = (byIntent[c.intent] ?? 0) + 1
      const label = await runCase(port, c)
      // Failure classes without their numbers, e.g. "FAIL: N echoes, expected N (…)".
      const key = `${c.intent}: ${label.startsWith("FAIL") ? label.replace(/\d+/g, "N").replace(/ \(.*$/, "") : label}`
      outcomes[key] = (outcomes[key] ?? 0) + 1
      if (label.startsWith("FAIL")) {
        const file = failures.length < 20 ? saveRepro(c, label) : "(not saved: over 20)"
        const line = `case ${c.index} (${c.intent}: ${c.what}, expect ${JSON.stringify(c.end)}): ${label} — ${file}`
        failures.push(line)
        console.log(line)
      }
      if (++done % checkEvery === 0) {
        checks++
        dead = await liveness(server, port)
        console.log(
          `${fmt(done)} connections, ${fmt(frames)} frames, ${((Date.now() - t0) / 1000).toFixed(0)} s, failures ${failures.length}, server ${dead === undefined ? "alive + echoes" : "DEAD"}`
        )
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  checks++
  dead ??= await liveness(server, port)
  const secs = (Date.now() - t0) / 1000
  stopWatchdog()
  const exit = server === undefined ? "n/a" : await server.stop()
  const ok = failures.length === 0 && dead === undefined && (server === undefined || exit === 0)
  const rows = Object.entries(outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `| ${k} | ${fmt(v)} |`)
  const text = [
    `**${ok ? "PASS" : "FAIL"}** — run ${new Date().toISOString().slice(0, 16)}Z, seed ${seed}: ${fmt(frames)} frames on ` +
      `${fmt(done)} connections (${parallel} in parallel) in ${(secs / 60).toFixed(1)} min; cases by intent: ` +
      Object.entries(byIntent)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(", ") +
      ".",
    `Server alive and echoing at all ${checks} checks: ${dead === undefined ? "yes" : "**no** — " + dead}; exit code on SIGTERM: ${exit}.`,
    "Expected close classes (the codec, run as oracle on the same bytes, must agree): invalid UTF-8 → 1007, " +
      "protocol violations → 1002, over 16 MiB → 1009; valid traffic → echoes, pongs, our Close echoed.",
    "",
    "| outcome (intent: result) | connections |",
    "|---|---|",
    ...rows,
    ...(failures.length > 0 ? ["", `Failures (${failures.length}; first 20):`, "", ...failures.slice(0, 20).map((f) => `- ${f}`)] : [])
  ].join("\n")
  console.log("\n" + text)
  if (flags["docs"] !== "no") writeSection("socket-fuzz", text)
  process.exit(ok ? 0 : 1)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error)
  process.exit(1)
})
