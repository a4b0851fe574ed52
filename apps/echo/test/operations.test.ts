/**
 * The echo app as operators run it (issue "production readiness", part 6): `--log-format json
 * --log-level debug --metrics HOST:PORT`. Every stdout line must be one JSON object; the ready
 * line, each connection's open and close, and the shutdown on SIGTERM are there with their
 * fields; the metrics port answers a valid Prometheus scrape.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Http from "node:http"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { parsePrometheus } from "../../../packages/server/test/support/prometheus-text.js"

const cwd = join(dirname(fileURLToPath(import.meta.url)), "..")

interface LogLine {
  readonly message: string
  readonly level: string
  readonly timestamp: string
  readonly fiberId: string
  readonly annotations: Record<string, unknown>
  readonly spans: Record<string, number>
}

/** The echo app as a child process; stdout is read as JSON lines when `json` is set. */
class App {
  readonly child: ChildProcess
  readonly lines: Array<LogLine> = []
  stdout = ""
  stderr = ""
  readonly exited: Promise<number | null>
  private readonly listeners = new Set<() => void>()

  constructor(
    args: ReadonlyArray<string>,
    readonly json: boolean
  ) {
    this.child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "0", ...args], { cwd })
    let pending = ""
    this.child.stdout!.on("data", (d) => {
      this.stdout += String(d)
      pending += String(d)
      const complete = pending.split("\n")
      pending = complete.pop()!
      // A line that is not JSON fails the test at once (JSON.parse throws in the listener).
      if (this.json) for (const line of complete) this.lines.push(JSON.parse(line) as LogLine)
      for (const l of this.listeners) l()
    })
    this.child.stderr!.on("data", (d) => (this.stderr += String(d)))
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)))
  }

  /** Waits (at most 20 s) until a line matches. */
  waitFor(what: string, match: (line: LogLine) => boolean): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`timed out waiting for ${what}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)),
        20_000
      )
      const check = () => {
        const found = this.lines.find(match)
        if (found !== undefined) done(undefined, found)
      }
      const done = (error?: Error, line?: LogLine) => {
        clearTimeout(timer)
        this.listeners.delete(check)
        if (error !== undefined) reject(error)
        else resolve(line!)
      }
      this.listeners.add(check)
      check()
    })
  }
}

const running: Array<App> = []
afterEach(() => {
  for (const app of running.splice(0)) if (app.child.exitCode === null) app.child.kill("SIGKILL")
})
const start = (args: ReadonlyArray<string>, json = true) => {
  const app = new App(args, json)
  running.push(app)
  return app
}

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once("open", () => resolve(ws))
    ws.once("error", reject)
  })

const get = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    Http.get(url, { agent: false }, (res) => {
      let body = ""
      res.on("data", (c) => (body += String(c)))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    }).on("error", reject)
  })

describe("echo --log-format json --log-level debug --metrics", () => {
  it("logs JSON lines: ready, each connection's open and close, the shutdown on SIGTERM; serves /metrics", async () => {
    const app = start(["--log-format", "json", "--log-level", "debug", "--metrics", "127.0.0.1:0"])
    const metricsLine = await app.waitFor("the metrics line", (l) => l.message.startsWith("metrics on "))
    const ready = await app.waitFor("the ready line", (l) => l.message.startsWith("listening on "))
    const url = ready.annotations["url"] as string
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/)
    expect(ready.message).toBe(`listening on ${url}`)
    expect(ready.level).toBe("INFO")
    const metricsUrl = metricsLine.annotations["url"] as string
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)

    // One client: open, echo, close 1000.
    const a = await open(url)
    a.send("hi")
    await new Promise((resolve) => a.once("message", resolve))
    a.close(1000, "bye")
    const opened = await app.waitFor("the open line", (l) => l.message === "connection open")
    expect(opened.level).toBe("DEBUG")
    expect(opened.annotations).toMatchObject({ path: "/", protocol: null, remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })
    const conn = opened.annotations["conn"]
    const closed = await app.waitFor("the close line", (l) => l.message === "connection closed" && l.annotations["conn"] === conn)
    expect(closed.annotations).toMatchObject({ code: 1000, reason: "bye", origin: "peer" })

    // A second client stays; the metrics port sees it.
    const b = await open(url)
    await app.waitFor("b's open line", (l) => l.message === "connection open" && l.annotations["conn"] !== conn)
    expect((await get(metricsUrl.replace(/metrics$/, ""))).status).toBe(200)
    const scrape = await get(metricsUrl)
    expect(scrape.status).toBe(200)
    const e = parsePrometheus(scrape.body)
    expect(e.value("wspipe_connections_open")).toBe(1)
    expect(e.value("wspipe_connections_total")).toBe(2)
    expect(e.value("wspipe_close_codes_total", { code: "1000" })).toBe(1)

    // SIGTERM: b gets 1001, the shutdown says how many and how long, exit 0.
    const bClosed = new Promise<number>((resolve) => b.once("close", (code) => resolve(code)))
    app.child.kill("SIGTERM")
    expect(await bClosed).toBe(1001)
    expect(await app.exited).toBe(0)
    const begins = app.lines.find((l) => l.message.startsWith("shutting down"))
    expect(begins).toMatchObject({
      level: "INFO",
      message: "shutting down: closing 1 connection(s) with 1001, waiting up to 5000 ms for their close handshakes",
      annotations: { connections: 1, timeoutMs: 5000 }
    })
    const ends = app.lines.find((l) => l.message.startsWith("shutdown: "))
    expect(ends).toMatchObject({ level: "INFO", annotations: { connections: 1, closed: 1, dropped: 0 } })
    expect(ends!.message).toMatch(/^shutdown: 1 connection\(s\) closed in \d+ ms$/)
    expect(app.lines.find((l) => l.message === "connection closed" && l.annotations["conn"] !== conn)?.annotations).toMatchObject({
      code: 1001,
      origin: "shutdown"
    })

    // Every stdout line was one JSON object with the same fields (JSON.parse ran on each).
    expect(app.stdout.trimEnd().split("\n")).toHaveLength(app.lines.length)
    for (const line of app.lines) {
      expect(Object.keys(line).sort()).toEqual(["annotations", "fiberId", "level", "message", "spans", "timestamp"])
      expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp)
      expect(line.fiberId).toMatch(/^#\d+$/)
    }
    expect(app.stderr).toBe("")
  }, 40_000)

  it("at --log-level info there are no per-connection lines", async () => {
    const app = start(["--log-format", "json"])
    const ready = await app.waitFor("the ready line", (l) => l.message.startsWith("listening on "))
    const ws = await open(ready.annotations["url"] as string)
    ws.close(1000)
    await new Promise((resolve) => ws.once("close", resolve))
    app.child.kill("SIGTERM")
    expect(await app.exited).toBe(0)
    expect(app.lines[0]).toEqual(ready)
    expect(app.lines.filter((l) => l.level === "DEBUG" || l.message.startsWith("connection"))).toEqual([])
  }, 40_000)

  it("without the flags, stdout's first line is still the plain ready line; a bad flag exits 2", async () => {
    const app = start([], false)
    await new Promise<void>((resolve) => {
      const check = () => (app.stdout.includes("\n") ? resolve() : setTimeout(check, 10))
      check()
    })
    expect(app.stdout.split("\n")[0]).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+\/$/)
    app.child.kill("SIGTERM")
    expect(await app.exited).toBe(0)
    const bad = start(["--log-format", "xml"], false)
    expect(await bad.exited).toBe(2)
    expect(bad.stderr).toContain("--log-format: expected json or pretty")
  }, 40_000)
})
