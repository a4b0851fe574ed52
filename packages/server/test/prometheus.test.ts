/**
 * The Prometheus exposition (issue "production readiness", part 6): `Metrics.render` of Effect
 * metric snapshots, and `Metrics.serve` scraped over real sockets with `node:http`. Every scrape
 * goes through a strict parser (support/prometheus-text.ts), so a malformed line, a missing
 * HELP/TYPE or a bad escape fails the test, not just a wrong number.
 */
import * as Http from "node:http"
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import WebSocket from "ws"
import { Command, Handler, Metrics } from "../src/index.js"
import { connect, rejected, within } from "./support/client.js"
import { httpGet } from "./support/http.js"
import { type Exposition, parsePrometheus } from "./support/prometheus-text.js"
import { start } from "./support/server.js"

/** Renders what `program` leaves in a fresh registry. */
const renderFresh = (program: Effect.Effect<unknown>) =>
  Effect.runSync(
    Effect.gen(function* () {
      yield* program
      return Metrics.render(yield* Metric.snapshot)
    }).pipe(Effect.provideService(Metric.MetricRegistry, new Map()))
  )

describe("Metrics.render", () => {
  it("counters end in _total once; a frequency is a counter with a label per key; gauges keep their name", () => {
    const text = renderFresh(
      Effect.gen(function* () {
        yield* Metric.update(Metric.counter("jobs", { description: "Jobs done" }), 3)
        yield* Metric.update(Metric.counter("requests_total", { description: "Requests" }), 2)
        yield* Metric.update(Metric.gauge("temperature", { description: "Now" }), -1.5)
        const codes = Metric.frequency("wspipe_close_codes", { description: "Close codes" })
        yield* Metric.update(codes, "1000")
        yield* Metric.update(codes, "1000")
        yield* Metric.update(codes, "1001")
        yield* Metric.update(Metric.frequency("colors", { description: "Colors" }), "red")
      })
    )
    const e = parsePrometheus(text)
    expect(e.families.get("jobs_total")).toEqual({ name: "jobs_total", help: "Jobs done", type: "counter" })
    expect(e.value("jobs_total")).toBe(3)
    expect(e.value("requests_total")).toBe(2)
    expect(e.families.has("requests_total_total")).toBe(false)
    expect(e.families.get("temperature")?.type).toBe("gauge")
    expect(e.value("temperature")).toBe(-1.5)
    expect(e.value("wspipe_close_codes_total", { code: "1000" })).toBe(2)
    expect(e.value("wspipe_close_codes_total", { code: "1001" })).toBe(1)
    expect(e.value("colors_total", { key: "red" })).toBe(1)
  })

  it("attributes become labels, escaped; names and label names are made valid; HELP is escaped", () => {
    const nasty = 'a "quoted" back\\slash\nand a line feed'
    const text = renderFresh(
      Effect.gen(function* () {
        const m = Metric.counter("http.requests-served", { description: "Served\nby path \\ method" })
        yield* Metric.update(Metric.withAttributes(m, { path: nasty, "http.method": "GET" }), 1)
        yield* Metric.update(Metric.withAttributes(m, { path: "/", "http.method": "GET" }), 4)
      })
    )
    expect(text).toContain(`path="a \\"quoted\\" back\\\\slash\\nand a line feed"`)
    expect(text).toContain("# HELP http_requests_served_total Served\\nby path \\\\ method\n")
    const e = parsePrometheus(text)
    expect(e.families.get("http_requests_served_total")?.help).toBe("Served\nby path \\ method")
    expect(e.value("http_requests_served_total", { path: nasty, http_method: "GET" })).toBe(1)
    expect(e.value("http_requests_served_total", { path: "/", http_method: "GET" })).toBe(4)
    // One family: one HELP and one TYPE for both series.
    expect(text.match(/# TYPE http_requests_served_total /g)).toHaveLength(1)
  })

  it("histograms: cumulative _bucket with le, +Inf, _sum, _count; summaries: quantiles, _sum, _count; bigints", () => {
    const text = renderFresh(
      Effect.gen(function* () {
        const h = Metric.histogram("latency_seconds", { description: "Latency", boundaries: [0.1, 1, 10] })
        for (const v of [0.05, 0.5, 0.7, 5, 50]) yield* Metric.update(h, v)
        const s = Metric.summary("size_bytes", { description: "Sizes", maxAge: "1 minute", maxSize: 100, quantiles: [0.5, 0.99] })
        for (const v of [1, 2, 3]) yield* Metric.update(s, v)
        yield* Metric.update(Metric.counter("huge", { description: "Huge", bigint: true }), 2n ** 70n)
      })
    )
    const e = parsePrometheus(text)
    expect(e.families.get("latency_seconds")?.type).toBe("histogram")
    expect([0.1, 1, 10].map((le) => e.value("latency_seconds_bucket", { le: String(le) }))).toEqual([1, 3, 4])
    expect(e.value("latency_seconds_bucket", { le: "+Inf" })).toBe(5)
    expect(e.value("latency_seconds_count")).toBe(5)
    expect(e.value("latency_seconds_sum")).toBeCloseTo(56.25)
    expect(e.families.get("size_bytes")?.type).toBe("summary")
    expect(e.value("size_bytes_count")).toBe(3)
    expect(e.value("size_bytes", { quantile: "0.5" })).toBe(2)
    expect(text).toContain(`huge_total ${2n ** 70n}\n`)
  })

  it("a name taken by another type is left out, not rendered twice", () => {
    const text = renderFresh(
      Effect.gen(function* () {
        yield* Metric.update(Metric.counter("x", { description: "a counter" }), 1)
        yield* Metric.update(Metric.gauge("x_total", { description: "a gauge" }), 7)
      })
    )
    const e = parsePrometheus(text)
    expect(e.families.get("x_total")?.type).toBe("counter")
    expect(e.samples.filter((s) => s.name === "x_total")).toHaveLength(1)
  })

  it("the parser refuses what Prometheus refuses (so these tests can fail)", () => {
    const ok = '# HELP a_total A\n# TYPE a_total counter\na_total{l="x"} 1\n'
    expect(() => parsePrometheus(ok)).not.toThrow()
    expect(() => parsePrometheus("# HELP a_total A\na_total 1\n")).toThrow(/no TYPE/)
    expect(() => parsePrometheus("# TYPE a_total counter\na_total 1\n")).toThrow(/no HELP/)
    expect(() => parsePrometheus(ok.replace('"x"', '"x"y"'))).toThrow(/expected/)
    expect(() => parsePrometheus(ok.replace('"x"', '"x\\q"'))).toThrow(/bad escape/)
    expect(() => parsePrometheus(ok.replace("a_total{", "a{").replace(/a_total/g, "a"))).toThrow(/_total/)
    expect(() => parsePrometheus(ok + ok.split("\n")[2] + "\n")).toThrow(/twice/)
    expect(() => parsePrometheus(ok.replace(" 1\n", " one\n"))).toThrow(/bad value/)
    expect(() => parsePrometheus(ok.slice(0, -1))).toThrow(/line feed/)
  })
})

const scrape = (url: string): Effect.Effect<Exposition> =>
  Effect.gen(function* () {
    const response = yield* httpGet(url)
    expect(response.status).toBe(200)
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8")
    return parsePrometheus(response.body)
  })

/** Scrapes until `check` holds (the gauge of open connections moves on the socket's close event). */
const scrapeUntil = (url: string, check: (e: Exposition) => boolean, what: string) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 5_000
    while (true) {
      const e = yield* scrape(url)
      if (check(e)) return e
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("20 millis")
    }
  })

const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])))

const request = (url: string, method: string) =>
  Effect.promise(() =>
    within(
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = Http.request(url, { method, agent: false }, (res) => {
          let body = ""
          res.on("data", (c) => (body += String(c)))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on("error", reject)
        req.end()
      }),
      5_000,
      `${method} ${url}`
    )
  )

describe("Metrics.serve over real sockets", () => {
  it.live("a scrape is valid text and follows the traffic: connections, messages, bytes, rejections, close codes", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { path: "/ws" })
      const metrics = yield* Metrics.serve({ host: "127.0.0.1", port: 0 })
      expect(metrics.url).toBe(`http://127.0.0.1:${metrics.port}/metrics`)
      const before = yield* scrape(metrics.url)
      // Every family is there before any traffic, counters at 0 rather than absent.
      for (const name of [
        "wspipe_connections_total",
        "wspipe_messages_in_total",
        "wspipe_bytes_out_total",
        "wspipe_close_codes_total",
        "wspipe_handshake_rejections_total",
        "wspipe_connections_open",
        "process_resident_memory_bytes",
        "nodejs_heap_size_used_bytes",
        "nodejs_eventloop_lag_p99_seconds",
        "process_start_time_seconds"
      ]) {
        expect(before.families.has(name), name).toBe(true)
      }
      const v = (e: Exposition, name: string, labels?: Record<string, string>) => e.value(name, labels) ?? 0
      const delta = (e: Exposition, name: string, labels?: Record<string, string>) => v(e, name, labels) - v(before, name, labels)

      const client = yield* connect(`${url}ws`)
      yield* client.send("hello")
      yield* client.send("world")
      expect(yield* client.texts(2)).toEqual(["hello", "world"])
      yield* rejected(`${url}elsewhere`)
      const during = yield* scrape(metrics.url)
      expect(delta(during, "wspipe_connections_total")).toBe(1)
      expect(delta(during, "wspipe_connections_open")).toBe(1)
      expect(delta(during, "wspipe_messages_in_total")).toBe(2)
      expect(delta(during, "wspipe_messages_out_total")).toBe(2)
      // Masked client frames: 2 + 4 + 5 bytes each; the server's unmasked echoes: 2 + 5.
      expect(delta(during, "wspipe_bytes_in_total")).toBe(22)
      expect(delta(during, "wspipe_bytes_out_total")).toBe(14)
      expect(delta(during, "wspipe_handshake_rejections_total", { status: "404" })).toBe(1)

      // Two scrapes with no traffic between them agree on every wspipe series.
      const again = yield* scrape(metrics.url)
      const wspipe = (e: Exposition) => e.samples.filter((s) => s.name.startsWith("wspipe_")).map((s) => [s.name, s.labels, s.value])
      expect(wspipe(again)).toEqual(wspipe(during))
      // And every counter, process ones included, only grows.
      for (const s of during.samples.filter((s) => during.families.get(s.family)?.type === "counter")) {
        expect(again.value(s.name, s.labels), s.name).toBeGreaterThanOrEqual(s.value)
      }

      client.ws.close(1000, "done")
      yield* client.waitClosed()
      const after = yield* scrapeUntil(metrics.url, (e) => delta(e, "wspipe_connections_open") === 0, "the open-connections gauge to drop")
      expect(delta(after, "wspipe_close_codes_total", { code: "1000" })).toBe(1)
      expect(delta(after, "wspipe_close_origins_total", { origin: "peer" })).toBe(1)
      expect(delta(after, "wspipe_connections_total")).toBe(1)
    })
  )

  it.live("permessage-deflate is counted: messages each way, bytes before and after, jobs", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const metrics = yield* Metrics.serve({ host: "127.0.0.1", port: 0 })
      const before = yield* scrape(metrics.url)
      for (const name of [
        "wspipe_deflate_inflated_messages_total",
        "wspipe_deflate_sent_compressed_bytes_total",
        "wspipe_deflate_jobs_running"
      ]) {
        expect(before.families.has(name), name).toBe(true)
      }
      const delta = (e: Exposition, name: string) => (e.value(name) ?? 0) - (before.value(name) ?? 0)
      const message = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: i, side: i % 2 ? "buy" : "sell" })))
      const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } })
      const echoes: Array<string> = []
      ws.on("message", (d) => echoes.push(String(d)))
      yield* Effect.promise(() => new Promise((resolve) => ws.once("open", resolve)))
      for (let i = 0; i < 3; i++) ws.send(message)
      const after = yield* scrapeUntil(
        metrics.url,
        (e) => delta(e, "wspipe_deflate_compressed_messages_total") >= 3,
        "the deflate counters (sampled each second)"
      )
      expect(echoes).toEqual([message, message, message])
      const size = Buffer.byteLength(message)
      expect(delta(after, "wspipe_deflate_inflated_messages_total")).toBe(3)
      expect(delta(after, "wspipe_deflate_compressed_messages_total")).toBe(3)
      expect(delta(after, "wspipe_deflate_received_inflated_bytes_total")).toBe(3 * size)
      expect(delta(after, "wspipe_deflate_sent_uncompressed_bytes_total")).toBe(3 * size)
      const received = delta(after, "wspipe_deflate_received_compressed_bytes_total")
      const sent = delta(after, "wspipe_deflate_sent_compressed_bytes_total")
      expect(received).toBeGreaterThan(0)
      expect(received).toBeLessThan(size)
      expect(sent).toBeGreaterThan(0)
      expect(sent).toBeLessThan(size)
      expect(after.value("wspipe_deflate_jobs_running")).toBe(0)
      ws.close()
    })
  )

  it.live("GET / answers 200 (health check), HEAD /metrics has no body, other paths 404, other methods 405", () =>
    Effect.gen(function* () {
      const metrics = yield* Metrics.serve({ port: 0 })
      const base = `http://127.0.0.1:${metrics.port}`
      expect((yield* request(`${base}/`, "GET")).status).toBe(200)
      expect(yield* request(`${base}/metrics`, "HEAD")).toEqual({ status: 200, body: "" })
      expect((yield* request(`${base}/metrics?x=1`, "GET")).status).toBe(200)
      expect((yield* request(`${base}/nope`, "GET")).status).toBe(404)
      expect((yield* request(`${base}/metrics`, "POST")).status).toBe(405)
    })
  )

  it.live("a port in use fails with ListenError; a bad port with ConfigError", () =>
    Effect.gen(function* () {
      const blocker = Net.createServer()
      yield* Effect.promise(() => new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve)))
      const port = (blocker.address() as Net.AddressInfo).port
      const busy = yield* Effect.flip(Metrics.serve({ port }))
      blocker.close()
      expect(busy._tag).toBe("ListenError")
      expect(busy.message).toContain(`cannot serve metrics on 127.0.0.1:${port}`)
      expect((yield* Effect.flip(Metrics.serve({ port: 70000 })))._tag).toBe("ConfigError")
    })
  )
})
