/**
 * The command line of a wspipe server program (the bundled apps use it): `node:util` `parseArgs`
 * over a table of flags, each with its default, its environment variable and its help line.
 * `--help` prints the table; an unknown flag or a bad value exits 2 with one clear line.
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { Effect, type LogLevel } from "effect"
import * as Logs from "../runtime/logs.js"
import * as MetricsServer from "../runtime/metrics-server.js"
import type { ConfigError } from "../runtime/options.js"
import type { ListenError, ListenOptions } from "../runtime/server.js"
import { compileTrustedProxies } from "../connection/client-address.js"
import { compileOrigins } from "../connection/origin.js"

/** One flag: how it is spelled, what it sets, and how to read its value. */
export interface Flag {
  readonly name: string
  readonly type: "string" | "boolean"
  /** May be given more than once (`apply` is called for each value, in order). */
  readonly multiple?: boolean
  /** Environment variable read when the flag is absent. */
  readonly env?: string
  /** The value name shown in `--help` (`PORT`, `BYTES`, …). */
  readonly valueName?: string
  readonly description: string
  /** Shown as the default in `--help`. */
  readonly defaultText: string
  /** Sets the flag's value on the result; returns an error message for a bad value. */
  readonly apply: (value: string | boolean, into: Record<string, unknown>) => string | undefined
}

/** The flags every server program has. */
export const serverFlags = (defaults: { readonly host: string; readonly port: number }): ReadonlyArray<Flag> => [
  {
    name: "host",
    type: "string",
    env: "HOST",
    valueName: "HOST",
    description: "address to listen on",
    defaultText: defaults.host,
    apply: (v, into) => void (into["host"] = String(v))
  },
  {
    name: "port",
    type: "string",
    env: "PORT",
    valueName: "PORT",
    description: "port to listen on (0: any free port)",
    defaultText: String(defaults.port),
    apply: (v, into) => integer("port", v, 0, 65535, into, "port")
  },
  sizeFlag("max-message-size", "maxMessageSize", "largest message accepted; larger closes with 1009", "16 MiB"),
  sizeFlag("max-frame-size", "maxFrameSize", "largest frame accepted; larger closes with 1009", "16 MiB"),
  {
    name: "max-connections",
    type: "string",
    valueName: "N",
    description: "connections beyond this are refused with 503",
    defaultText: "100000",
    apply: (v, into) => integer("max-connections", v, 1, Number.MAX_SAFE_INTEGER, into, "maxConnections")
  },
  {
    name: "idle-timeout",
    type: "string",
    valueName: "MS",
    description: "ping a silent client after this long, close it after twice (0: off)",
    defaultText: "60000",
    apply: (v, into) => integer("idle-timeout", v, 0, Number.MAX_SAFE_INTEGER, into, "idleTimeoutMs")
  },
  {
    name: "no-deflate",
    type: "boolean",
    description: "do not negotiate permessage-deflate (compression, RFC 7692)",
    defaultText: "deflate on, no context takeover",
    apply: (v, into) => void (v === true && (into["perMessageDeflate"] = false))
  },
  {
    name: "hixie76",
    type: "boolean",
    description: "also accept the pre-RFC draft-hixie-76 protocol on the same port (unmasked: see docs)",
    defaultText: "off",
    apply: (v, into) => void (into["legacyHixie76"] = v === true || v === "1" || v === "true")
  },
  tlsFile("tls-cert", "TLS_CERT", "cert", "serve wss:// with this PEM certificate (chain); needs --tls-key"),
  tlsFile("tls-key", "TLS_KEY", "key", "the PEM private key of --tls-cert"),
  {
    name: "allow-origin",
    type: "string",
    multiple: true,
    env: "ALLOW_ORIGINS",
    valueName: "ORIGIN",
    description: "only pages of these origins may connect (repeat, or comma-separate; https://*.example.com; null)",
    defaultText: "any origin",
    apply: (v, into) => list("allow-origin", v, into, "allowedOrigins", compileOrigins)
  },
  {
    name: "max-connections-per-address",
    type: "string",
    valueName: "N",
    description: "open connections per client address; more get 429 (0: off)",
    defaultText: "0",
    apply: (v, into) => integer("max-connections-per-address", v, 0, Number.MAX_SAFE_INTEGER, into, "maxConnectionsPerAddress")
  },
  {
    name: "max-handshakes-per-second-per-address",
    type: "string",
    valueName: "N",
    description: "handshakes per second per client address; more get 429 (0: off)",
    defaultText: "0",
    apply: (v, into) =>
      integer("max-handshakes-per-second-per-address", v, 0, Number.MAX_SAFE_INTEGER, into, "maxHandshakesPerSecondPerAddress")
  },
  {
    name: "trusted-proxy",
    type: "string",
    multiple: true,
    valueName: "ADDR",
    description: "a proxy (address or subnet) whose X-Forwarded-For names the client (repeat, or comma-separate)",
    defaultText: "none",
    apply: (v, into) => list("trusted-proxy", v, into, "trustedProxies", compileTrustedProxies)
  },
  ...operationsFlags
]

/**
 * The flags of a server that runs on many cores or machines: `--workers N` (node:cluster, one
 * port) and `--redis URL` (the bus between them; env `REDIS_URL`). The program makes the
 * transport (`@wspipe/bus-redis`), so the server package does not depend on a Redis client.
 */
export const scaleFlags: ReadonlyArray<Flag> = [
  {
    name: "workers",
    type: "string",
    env: "WORKERS",
    valueName: "N",
    description: "worker processes on this port (node:cluster); broadcasts cross them through --redis",
    defaultText: "1",
    apply: (v, into) => integer("workers", v, 1, 1024, into, "workers")
  },
  {
    name: "redis",
    type: "string",
    env: "REDIS_URL",
    valueName: "URL",
    description: "join other processes and machines through Redis pub/sub (redis://host:port)",
    defaultText: "none",
    apply: (v, into) => {
      const text = String(v)
      if (!/^rediss?:\/\//.test(text)) return `--redis: expected a redis:// or rediss:// URL, got "${text}"`
      into["redis"] = text
      return undefined
    }
  },
  {
    name: "redis-when-down",
    type: "string",
    valueName: "fail|local-only",
    description: "Redis unreachable at start: fail, or serve local clients and connect when it appears",
    defaultText: "fail",
    apply: (v, into) => {
      if (v !== "fail" && v !== "local-only") return `--redis-when-down: expected fail or local-only, got "${String(v)}"`
      into["redisWhenDown"] = v
      return undefined
    }
  }
]

/** `--metrics`, `--log-format`, `--log-level`: read by {@link withOperations}, not by the server. */
const operationsFlags: ReadonlyArray<Flag> = [
  {
    name: "metrics",
    type: "string",
    env: "METRICS",
    valueName: "[HOST:]PORT",
    description: "serve Prometheus metrics on GET /metrics at this address (host default 127.0.0.1; port 0: any free port)",
    defaultText: "off",
    apply: (v, into) => {
      const match = /^(?:(\[[^\]]+\]|[^:\s]*):)?(\d+)$/.exec(String(v))
      const port = match === null ? NaN : Number(match[2])
      if (match === null || port > 65535) return `--metrics: expected PORT or HOST:PORT such as 9464 or 0.0.0.0:9464, got "${String(v)}"`
      const host = (match[1] ?? "").replace(/^\[(.*)\]$/, "$1")
      into["metrics"] = { host: host === "" ? "127.0.0.1" : host, port }
      return undefined
    }
  },
  {
    name: "log-format",
    type: "string",
    env: "LOG_FORMAT",
    valueName: "json|pretty",
    description: "json: one JSON object per line on stdout",
    defaultText: "pretty",
    apply: (v, into) => {
      if (v !== "json" && v !== "pretty") return `--log-format: expected json or pretty, got "${String(v)}"`
      into["logFormat"] = v
      return undefined
    }
  },
  {
    name: "log-level",
    type: "string",
    env: "LOG_LEVEL",
    valueName: "LEVEL",
    description: "trace, debug (each connection's open and close), info, warn, error, fatal or none",
    defaultText: "info",
    apply: (v, into) => {
      const level = Logs.parseLevel(String(v))
      if (level === undefined) return `--log-level: expected trace, debug, info, warn, error, fatal or none, got "${String(v)}"`
      into["logLevel"] = level
      return undefined
    }
  }
]

/** What the operations flags set (see {@link withOperations}). */
export interface Operations {
  readonly metrics?: { readonly host: string; readonly port: number }
  readonly logFormat?: Logs.Format
  readonly logLevel?: LogLevel.LogLevel
}

/**
 * Runs a server program with the operations flags applied: with `--log-format`/`--log-level`
 * the logs' format and level (`Logs.layer`), and with `--metrics` a `/metrics` endpoint
 * (`Metrics.serve`) started before the server and stopped after its graceful shutdown.
 * `program` gets the other options.
 *
 * @example
 * ```ts
 * import { Command, Handler, Server } from "@wspipe/server"
 * import { Cli } from "@wspipe/server/cli"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * Cli.main("echo", "the echo server", Cli.serverFlags({ host: "127.0.0.1", port: 9000 }), (options) =>
 *   Server.runMain(Cli.withOperations(options, (listen) => Server.serve(echo, { host: "127.0.0.1", port: 9000, ...listen }))))
 * ```
 */
export const withOperations = <A, E>(
  options: ListenOptions & Operations & Record<string, unknown>,
  program: (listen: ListenOptions) => Effect.Effect<A, E>
): Effect.Effect<A, E | ConfigError | ListenError> => {
  const { metrics, logFormat, logLevel, ...listen } = options
  const run = Effect.scoped(
    Effect.gen(function* () {
      if (metrics !== undefined) {
        const served = yield* MetricsServer.serve(metrics)
        yield* Effect.logInfo(`metrics on ${served.url}`).pipe(Effect.annotateLogs({ url: served.url }))
      }
      return yield* program(listen)
    })
  )
  // Without log flags the program keeps whatever loggers it was given.
  return logFormat === undefined && logLevel === undefined ? run : Effect.provide(run, Logs.layer({ format: logFormat, level: logLevel }))
}

/** A file read at start into `tls.<field>`; an unreadable file is a bad flag value (exit 2). */
const tlsFile = (name: string, env: string, field: "cert" | "key", description: string): Flag => ({
  name,
  type: "string",
  env,
  valueName: "FILE",
  description,
  defaultText: "none",
  apply: (v, into) => {
    try {
      into["tls"] = { ...(into["tls"] as object | undefined), [field]: readFileSync(String(v)) }
      return undefined
    } catch (error) {
      return `--${name}: cannot read "${String(v)}": ${(error as Error).message}`
    }
  }
})

/** Appends comma-separated values to a list option, checked with `compile` (its error string, if any). */
const list = (
  name: string,
  v: string | boolean,
  into: Record<string, unknown>,
  option: string,
  compile: (entries: Array<string>) => unknown
): string | undefined => {
  const entries = String(v)
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
  const error = compile(entries)
  if (typeof error === "string") return `--${name}: ${error.slice(error.indexOf(":") + 2)}`
  into[option] = [...((into[option] as Array<string> | undefined) ?? []), ...entries]
  return undefined
}

const sizeFlag = (name: string, option: string, description: string, defaultText: string): Flag => ({
  name,
  type: "string",
  valueName: "BYTES",
  description: `${description} (suffixes k, m: 64k, 16m)`,
  defaultText,
  apply: (v, into) => {
    const match = /^(\d+)([km]?)$/i.exec(String(v))
    if (match === null) return `--${name}: expected a size in bytes such as 65536, 64k or 16m, got "${String(v)}"`
    const unit = match[2]!.toLowerCase() === "k" ? 1024 : match[2]!.toLowerCase() === "m" ? 1024 * 1024 : 1
    const bytes = Number(match[1]) * unit
    if (!Number.isSafeInteger(bytes) || bytes <= 0) return `--${name}: must be a positive size, got "${String(v)}"`
    into[option] = bytes
    return undefined
  }
})

const integer = (
  name: string,
  v: string | boolean,
  min: number,
  max: number,
  into: Record<string, unknown>,
  option: string
): string | undefined => {
  const text = String(v)
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) return `--${name}: expected an integer ${min}–${max}, got "${text}"`
  into[option] = n
  return undefined
}

/** What {@link parse} found. */
export type Parsed<A> =
  | { readonly _tag: "Run"; readonly options: A }
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Invalid"; readonly message: string }

/**
 * Parses `argv` (without the node and script paths) against `flags`, falling back to each flag's
 * environment variable.
 *
 * @example
 * ```ts
 * import { Cli } from "@wspipe/server/cli"
 *
 * const parsed = Cli.parse("echo", "the echo server", Cli.serverFlags({ host: "127.0.0.1", port: 9000 }), ["--port", "9100"], {})
 * // { _tag: "Run", options: { port: 9100 } }
 * ```
 */
export const parse = (
  program: string,
  summary: string,
  flags: ReadonlyArray<Flag>,
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Parsed<ListenOptions & Operations & Record<string, unknown>> => {
  const spec: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = { help: { type: "boolean" } }
  for (const flag of flags) spec[flag.name] = flag.multiple === true ? { type: flag.type, multiple: true } : { type: flag.type }
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>
  try {
    values = parseArgs({ args: [...argv].filter((a) => a !== "--"), options: spec, strict: true, allowPositionals: false }).values
  } catch (error) {
    return { _tag: "Invalid", message: `${program}: ${(error as Error).message.split("\n")[0]} (see --help)` }
  }
  if (values["help"] === true) return { _tag: "Help", text: help(program, summary, flags) }
  const options: Record<string, unknown> = {}
  for (const flag of flags) {
    const value = values[flag.name] ?? (flag.env === undefined ? undefined : env[flag.env])
    if (value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      const error = flag.apply(one, options)
      if (error !== undefined) return { _tag: "Invalid", message: `${program}: ${error}` }
    }
  }
  return { _tag: "Run", options: options as ListenOptions & Operations & Record<string, unknown> }
}

/** The `--help` text: every flag with its value, default and environment variable. */
export const help = (program: string, summary: string, flags: ReadonlyArray<Flag>): string => {
  const rows = flags.map((f) => [`--${f.name}${f.type === "string" ? ` ${f.valueName ?? "VALUE"}` : ""}`, f])
  const width = Math.max(...rows.map(([left]) => (left as string).length), "--help".length)
  const lines = rows.map(([left, f]) => {
    const flag = f as Flag
    const env = flag.env === undefined ? "" : `, env ${flag.env}`
    return `  ${(left as string).padEnd(width)}  ${flag.description} (default ${flag.defaultText}${env})`
  })
  return [`${program}: ${summary}`, "", `usage: ${program} [flags]`, "", ...lines, `  ${"--help".padEnd(width)}  show this help`, ""].join(
    "\n"
  )
}

/**
 * Parses the process's command line and either runs `start(options)`, prints the help (exit 0),
 * or prints the error (exit 2).
 *
 * @example
 * ```ts
 * import { Command, Handler, Server } from "@wspipe/server"
 * import { Cli } from "@wspipe/server/cli"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * Cli.main("echo", "the echo server", Cli.serverFlags({ host: "127.0.0.1", port: 9000 }), (options) =>
 *   Server.runMain(Server.serve(echo, { host: "127.0.0.1", port: 9000, ...options })))
 * ```
 */
export const main = (
  program: string,
  summary: string,
  flags: ReadonlyArray<Flag>,
  start: (options: ListenOptions & Operations & Record<string, unknown>) => void
): void => {
  const parsed = parse(program, summary, flags, process.argv.slice(2), process.env)
  switch (parsed._tag) {
    case "Help":
      process.stdout.write(parsed.text)
      return
    case "Invalid":
      process.stderr.write(`${parsed.message}\n`)
      process.exitCode = 2
      return
    case "Run":
      return start(parsed.options)
  }
}
