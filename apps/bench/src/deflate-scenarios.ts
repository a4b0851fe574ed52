// The compression scenarios (`--scenario deflate`): JSON payloads (loadgen --json), a browser-like
// permessage-deflate offer (loadgen --deflate), wspipe with its defaults against ws with
// perMessageDeflate in the same run; memory per idle connection for each setting.
import type { Measurement, Metric, Scenario } from "./scenarios.js"
import { agreesToDeflate } from "./deflate-servers.js"
import type { ServerId, ServerSpec } from "./servers.js"

const msgsPerS: Metric = { label: "msgs/s", higherIsBetter: true, digits: 0, pick: (m) => m.result.msgs_per_s }
const perServerCpu = (label: string): Metric => ({
  label: `${label} per server CPU-s`,
  higherIsBetter: true,
  digits: 0,
  pick: (m) => (m.result.msgs_per_s !== undefined && m.serverCores > 0.02 ? m.result.msgs_per_s / m.serverCores : undefined)
})
const lat = (q: "p50" | "p99", what: string): Metric => ({
  label: `${what} ${q} µs`,
  higherIsBetter: false,
  digits: 0,
  pick: (m) => m.result.latency_us?.[q]
})
/**
 * What the server's compression achieved: bytes inflated / bytes on the wire, server → client;
 * none where nothing came back compressed (a server that declined).
 */
export const wireRatio: Metric = {
  label: "compression ratio, server → client",
  higherIsBetter: true,
  digits: 2,
  pick: (m) => (m.result.deflate?.received.compressed ? m.result.deflate.received.ratio : undefined)
}
const loadgenCores: Metric = { label: "load generator cores", higherIsBetter: false, digits: 2, pick: (m) => m.result.loadgen_cpu.cores }

/** Every connection agreed to permessage-deflate where the server does it, none elsewhere. */
const agreed = (m: Measurement, spec: ServerSpec): string | undefined => {
  const d = m.result.deflate
  if (d === undefined) return "the load generator printed no deflate results"
  // A window in which nothing at all moved (seen once on this shared machine, server and load
  // generator both at 0 CPU): a stalled machine, not a figure to take a median over.
  if (m.result.mode !== "idle" && !m.result.messages) return "no message was measured in the window"
  const total = m.result.connections + (m.result.mode === "broadcast" ? 1 : 0)
  const want = agreesToDeflate(spec.id) ? total : 0
  return d.agreed === want ? undefined : `${spec.label}: ${d.agreed} of ${total} connections agreed to permessage-deflate, expected ${want}`
}

const versus: readonly ServerId[] = ["ws-deflate", "wspipe"]
/** Each idle connection exchanged one 1 KiB JSON message (compressed where agreed) before RSS is read. */
const idleCore: readonly ServerId[] = ["ws", "ws-deflate", "wspipe-no-deflate", "wspipe"]
/** Every documented setting (docs/limits.md, "Compression"; servers/wspipe-options.ts). */
const settings: readonly ServerId[] = [
  "wspipe-no-deflate",
  "wspipe",
  "wspipe-server-takeover-15",
  "wspipe-takeover-15",
  "wspipe-takeover-15-m1",
  "wspipe-takeover-10-m3",
  "wspipe-takeover-9"
]
const idle = (connections: number, servers: readonly ServerId[]): Scenario => ({
  name: `idle-deflate-${connections / 1000}k`,
  title: `memory per idle connection after one 1 KiB JSON message (compressed where agreed), ${connections.toLocaleString("en")} connections`,
  job: "echo",
  mode: "idle",
  // A context-takeover connection makes its zlib compressor on its first message (~230 KiB touched
  // at 15/8: ~1.4 ms here), so 10,000 of them need more than the default 30 s to come up.
  args: ["-c", String(connections), "-s", "1024", "--json", "--deflate", "--connect-timeout", "80"],
  servers,
  check: agreed,
  metrics: [{ label: "RSS KiB/conn", higherIsBetter: false, digits: 2, pick: (m) => m.rssPerConnKiB }, wireRatio]
})

export const deflateScenarios: readonly Scenario[] = [
  {
    name: "echo-1k-json-deflate-c100-d4",
    title: "echo 1 KiB JSON, permessage-deflate, 100 conns × 4 in flight",
    job: "echo",
    mode: "echo",
    args: ["-c", "100", "-d", "4", "-s", "1024", "--json", "--deflate"],
    servers: versus,
    check: agreed,
    metrics: [msgsPerS, perServerCpu("msgs"), lat("p50", "RTT"), lat("p99", "RTT"), wireRatio, loadgenCores]
  },
  {
    name: "echo-16k-json-deflate-c10-d1",
    title: "echo 16 KiB JSON, permessage-deflate, 10 conns × 1 in flight",
    job: "echo",
    mode: "echo",
    args: ["-c", "10", "-d", "1", "-s", "16384", "--json", "--deflate"],
    servers: versus,
    check: agreed,
    metrics: [msgsPerS, perServerCpu("msgs"), lat("p50", "RTT"), lat("p99", "RTT"), wireRatio, loadgenCores]
  },
  {
    name: "broadcast-1k-json-deflate-r1000-f8",
    title: "broadcast-except-source 1 KiB JSON, permessage-deflate, to 1000 receivers, 8 in flight",
    job: "broadcast",
    mode: "broadcast",
    args: ["-c", "1000", "--inflight", "8", "-s", "1024", "--json", "--deflate"],
    servers: versus,
    check: agreed,
    metrics: [
      { ...msgsPerS, label: "deliveries/s" },
      perServerCpu("deliveries"),
      lat("p50", "delivery"),
      lat("p99", "delivery"),
      wireRatio,
      loadgenCores
    ]
  },
  // Each setting's ratio and cost under load (the idle scenarios see one message per connection).
  {
    name: "echo-1k-json-deflate-settings",
    title: "echo 1 KiB JSON, permessage-deflate, 100 conns × 4 in flight, per wspipe setting",
    job: "echo",
    mode: "echo",
    args: ["-c", "100", "-d", "4", "-s", "1024", "--json", "--deflate"],
    servers: settings,
    check: agreed,
    metrics: [msgsPerS, wireRatio, lat("p99", "RTT")]
  },
  idle(5_000, idleCore),
  idle(10_000, ["ws", "ws-deflate", ...settings])
]

export const isDeflateScenario = (s: Scenario): boolean => s.servers !== undefined && deflateScenarios.includes(s)
