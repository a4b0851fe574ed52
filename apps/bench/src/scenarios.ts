// The benchmark scenarios: what the load generator does, which server job it needs,
// and which numbers of its result go into the table.
import type { LoadgenResult } from "./loadgen.js"
import { deflateScenarios } from "./deflate-scenarios.js"
import type { ServerId, ServerJob, ServerSpec } from "./servers.js"

/** What one run of one scenario against one server measured. */
export interface Measurement {
  /** Which round (A B C D, A B C D, …) this run was in: runs of one round are adjacent in time. */
  readonly round?: number
  readonly result: LoadgenResult
  /** Server CPU (user + sys) over the load generator's measured window, in cores. */
  readonly serverCores: number
  /** storm: the server's peak RSS (VmHWM) once every echo came back, MiB. */
  readonly peakRssMiB?: number
  /** idle scenario: (RSS after - RSS before) / connections, KiB. */
  readonly rssPerConnKiB?: number
  /** idle scenario: the same difference, each reading 1 s after a forced full GC (its pages returned), KiB. */
  readonly rssPerConnAfterGcKiB?: number
  /** idle scenario: V8's heapUsed after a forced full GC, (after - before) / connections, KiB. */
  readonly heapPerConnKiB?: number
  readonly rssBeforeKiB?: number
  readonly rssAfterKiB?: number
}

export interface Metric {
  readonly label: string
  readonly higherIsBetter: boolean
  readonly digits: number
  readonly pick: (m: Measurement) => number | undefined
}

export interface Scenario {
  readonly name: string
  readonly title: string
  readonly job: ServerJob
  readonly mode: LoadgenResult["mode"]
  /** Load generator arguments (besides mode, port, timing). */
  readonly args: readonly string[]
  readonly metrics: readonly Metric[]
  /** The servers to run (instead of those not marked `optIn`), e.g. ws with perMessageDeflate. */
  readonly servers?: readonly ServerId[]
  /** Why a successful run is still wrong (e.g. deflate not agreed), or undefined. */
  readonly check?: (m: Measurement, spec: ServerSpec) => string | undefined
}

const msgsPerS: Metric = { label: "msgs/s", higherIsBetter: true, digits: 0, pick: (m) => m.result.msgs_per_s }
/**
 * Messages per second of server CPU: what the server gets done with the CPU it was given.
 * Robust where the rate is not (a shared machine's other work takes CPU from the pinned server);
 * undefined when the server barely ran, where the quotient would be noise.
 */
const perServerCpu = (label: string): Metric => ({
  label: `${label} per server CPU-s`,
  higherIsBetter: true,
  digits: 0,
  pick: (m) => (m.result.msgs_per_s !== undefined && m.serverCores > 0.02 ? m.result.msgs_per_s / m.serverCores : undefined)
})
const mbPerS: Metric = { label: "MB/s", higherIsBetter: true, digits: 1, pick: (m) => m.result.mb_per_s }
const lat = (q: "p50" | "p99" | "p999", what: string): Metric => ({
  label: `${what} ${q === "p999" ? "p99.9" : q} µs`,
  higherIsBetter: false,
  digits: 0,
  pick: (m) => m.result.latency_us?.[q]
})

export const IDLE_CONNECTIONS = 10_000

export const scenarios: readonly Scenario[] = [
  {
    name: "echo-32b-c1-d1",
    title: "echo 32 B text, 1 conn × 1 in flight (latency)",
    job: "echo",
    mode: "echo",
    args: ["-c", "1", "-d", "1", "-s", "32"],
    metrics: [lat("p50", "RTT"), lat("p99", "RTT"), lat("p999", "RTT"), msgsPerS]
  },
  {
    name: "echo-32b-c100-d10",
    title: "echo 32 B text, 100 conns × 10 in flight (throughput)",
    job: "echo",
    mode: "echo",
    args: ["-c", "100", "-d", "10", "-s", "32"],
    metrics: [msgsPerS, perServerCpu("msgs"), lat("p99", "RTT")]
  },
  {
    name: "echo-32b-c1000-d1",
    title: "echo 32 B text, 1000 conns × 1 in flight",
    job: "echo",
    mode: "echo",
    args: ["-c", "1000", "-d", "1", "-s", "32"],
    metrics: [msgsPerS, perServerCpu("msgs"), lat("p99", "RTT")]
  },
  {
    name: "echo-4k-bin-c100-d4",
    title: "echo 4 KiB binary, 100 conns × 4 in flight",
    job: "echo",
    mode: "echo",
    args: ["-c", "100", "-d", "4", "-s", "4096", "--binary"],
    metrics: [msgsPerS, mbPerS, perServerCpu("msgs"), lat("p99", "RTT")]
  },
  {
    name: "echo-1m-bin-c10-d1",
    title: "echo 1 MiB binary, 10 conns × 1 in flight",
    job: "echo",
    mode: "echo",
    args: ["-c", "10", "-d", "1", "-s", String(1 << 20), "--binary"],
    metrics: [msgsPerS, mbPerS, lat("p99", "RTT")]
  },
  {
    name: "broadcast-32b-r1000-f8",
    title: "broadcast-except-source 32 B to 1000 receivers, 8 in flight",
    job: "broadcast",
    mode: "broadcast",
    args: ["-c", "1000", "--inflight", "8", "-s", "32"],
    metrics: [{ ...msgsPerS, label: "deliveries/s" }, perServerCpu("deliveries"), lat("p50", "delivery"), lat("p99", "delivery")]
  },
  {
    name: "broadcast-32b-r1000-f32",
    title: "broadcast-except-source 32 B to 1000 receivers, 32 in flight",
    job: "broadcast",
    mode: "broadcast",
    args: ["-c", "1000", "--inflight", "32", "-s", "32"],
    metrics: [{ ...msgsPerS, label: "deliveries/s" }, perServerCpu("deliveries"), lat("p50", "delivery"), lat("p99", "delivery")]
  },
  {
    // A chat where one message is in flight at a time: nothing to batch. The rate is the sender's
    // (loadgen --rate); the p99 is over every delivery to the 1000 receivers.
    name: "broadcast-32b-r1000-rate20",
    title: "broadcast-except-source 32 B to 1000 receivers at a fixed 20 msgs/s (unbatched)",
    job: "broadcast",
    mode: "broadcast",
    args: ["-c", "1000", "--rate", "20", "-s", "32"],
    metrics: [lat("p50", "delivery"), lat("p99", "delivery"), lat("p999", "delivery"), { ...msgsPerS, label: "deliveries/s" }]
  },
  {
    // TLS: wspipe's own listener with `tls` against ws behind https.createServer; the C load
    // generator speaks TLS through OpenSSL (loadgen/tls.c). The C echo server has no TLS.
    name: "echo-tls-32b-c100-d10",
    title: "wss echo 32 B text, 100 conns × 10 in flight (TLS)",
    job: "echo-tls",
    mode: "echo",
    args: ["-c", "100", "-d", "10", "-s", "32", "--tls"],
    metrics: [msgsPerS, perServerCpu("msgs"), lat("p99", "RTT")]
  },
  {
    name: "connect-c100",
    title: "handshakes (upgrade + clean close), 100 concurrent",
    job: "echo",
    mode: "connect",
    args: ["-c", "100"],
    metrics: [
      { label: "handshakes/s", higherIsBetter: true, digits: 0, pick: (m) => m.result.handshakes_per_s },
      {
        label: "handshakes per server CPU-s",
        higherIsBetter: true,
        digits: 0,
        pick: (m) =>
          m.result.handshakes_per_s !== undefined && m.serverCores > 0.02 ? m.result.handshakes_per_s / m.serverCores : undefined
      },
      lat("p99", "handshake")
    ]
  },
  {
    // A reconnect storm (after a deploy or a network blip): 10,000 clients connect at once, each
    // sends one 32 B message; done when every echo is back. The accept backlog (511, Node's
    // default for both servers) overflows, so part of the clients retry their SYN (1 s, 3 s…).
    name: "storm-10k",
    title: "reconnect storm: 10,000 clients connect at once, one 32 B echo each",
    job: "echo",
    mode: "storm",
    args: ["-c", "10000", "-s", "32"],
    metrics: [
      { label: "ms until every echo", higherIsBetter: false, digits: 0, pick: (m) => m.result.storm_ms },
      lat("p50", "handshake"),
      lat("p99", "handshake"),
      { label: "server peak RSS MiB", higherIsBetter: false, digits: 1, pick: (m) => m.peakRssMiB }
    ]
  },
  {
    name: "idle-10k",
    title: `memory per idle connection, ${IDLE_CONNECTIONS.toLocaleString("en")} connections`,
    job: "echo",
    mode: "idle",
    args: ["-c", String(IDLE_CONNECTIONS)],
    metrics: [
      { label: "RSS KiB/conn", higherIsBetter: false, digits: 2, pick: (m) => m.rssPerConnKiB },
      { label: "RSS KiB/conn (after a full GC)", higherIsBetter: false, digits: 2, pick: (m) => m.rssPerConnAfterGcKiB },
      { label: "live V8 heap KiB/conn (after a full GC)", higherIsBetter: false, digits: 2, pick: (m) => m.heapPerConnKiB }
    ]
  },
  ...deflateScenarios
]

/** Scenarios whose name contains any of the comma-separated filters (all when none). */
export function selectScenarios(filter: string | undefined): Scenario[] {
  if (!filter) return [...scenarios]
  const parts = filter
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
  return scenarios.filter((s) => parts.some((p) => s.name.includes(p)))
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const v = [...values].sort((a, b) => a - b)
  const mid = Math.floor(v.length / 2)
  return v.length % 2 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2
}
