/**
 * `BusTransport` over Redis pub/sub with ioredis: one connection publishes, a dedicated one
 * subscribes. What it guarantees, and what each guard is for (README "Guards"):
 *
 * - No offline queue: while the publishing connection is not ready `publish` returns false at once
 *   (our own check; ioredis' `enableOfflineQueue: false` rejects anything else sent meanwhile).
 * - A byte bound on what waits for Redis: every accepted PUBLISH counts its RESP size until Redis
 *   answers it. When Redis is SIGSTOPped the TCP connection stays up and ioredis would keep
 *   writing into the socket without end; past `maxBufferedBytes` publish returns false instead.
 * - Own resubscription: ioredis' `autoResubscribe` is off; on every ready of the subscribing
 *   connection the transport subscribes its whole channel set again, and reports "up" only once
 *   Redis confirmed it. Nothing is resent (`autoResendUnfulfilledCommands: false`): at most once.
 *
 * @module
 */
import { Context, Effect, Layer, type Scope } from "effect"
// ioredis is loaded when a transport is made, not when this module is: a program that imports the
// package but runs without Redis (the bundled apps without `--redis`) does not evaluate the client.
// Evaluating it at start-up made V8 grow the young generation, which lengthened every scavenge
// of a server with one message in flight (docs/benchmarks.md).
import type { Redis, RedisOptions } from "ioredis"

type RedisClass = typeof import("ioredis").Redis
import type { Bus } from "@wspipe/server"
import { DEFAULTS, publishSize, redact, RedisTransportError, type RedisTransportOptions, validate } from "./options.js"

export { RedisTransportError, type RedisTransportOptions } from "./options.js"

type BusTransport = Bus.BusTransport
type TransportStatus = Bus.TransportStatus

const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength))

/** A live transport plus what its release needs. */
interface Handle {
  readonly transport: BusTransport
  readonly connect: () => Promise<void>
  readonly close: () => Promise<void>
  readonly lastCause: () => unknown
}

const build = (
  RedisClient: RedisClass,
  options: RedisTransportOptions,
  url: string,
  log: (level: "info" | "warning", message: string) => void
): Handle => {
  const max = options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes
  const min = options.reconnectMinMs ?? DEFAULTS.reconnectMinMs
  const cap = options.reconnectMaxMs ?? DEFAULTS.reconnectMaxMs
  // `replyMapping` spelled out: its default, and ioredis' constructor types need it under exactOptionalPropertyTypes.
  const clientOptions: RedisOptions & { replyMapping: "legacy" } = {
    replyMapping: "legacy",
    lazyConnect: true,
    // The bus is at most once: nothing waits for a connection, nothing is sent twice.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    maxRetriesPerRequest: null,
    // RESP2: ioredis' pub/sub path of many years; RESP3 became its default only in 6.0.
    protocol: 2,
    connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    // Capped exponential backoff with jitter in [delay/2, delay]; never gives up.
    retryStrategy: (times) => {
      const delay = Math.min(cap, min * 2 ** Math.min(times - 1, 30))
      return Math.round(delay / 2 + (Math.random() * delay) / 2)
    }
  }
  const pub = new RedisClient(options.url, { ...clientOptions, connectionName: "wspipe-bus-pub" })
  const sub = new RedisClient(options.url, { ...clientOptions, connectionName: "wspipe-bus-sub" })

  const channels = new Set<string>()
  const messageListeners: Array<(channel: string, payload: Uint8Array) => void> = []
  const statusListeners: Array<(status: TransportStatus, cause?: unknown) => void> = []
  let closed = false
  let pubReady = false
  let subReady = false
  let subGeneration = 0
  let pubGeneration = 0
  let inflight = 0
  let inflightCount = 0
  let full = false
  let published = 0,
    received = 0,
    dropped = 0,
    reconnects = 0
  let current: TransportStatus = "down"
  let everUp = false
  let downAt = Date.now(),
    droppedAtDown = 0,
    droppedAtFull = 0
  let lastCause: unknown
  let listenerFailed = false

  const buffered = (): number => Math.max(inflight, pubReady ? pub.stream.writableLength : 0)

  const update = (): void => {
    const next: TransportStatus = !closed && pubReady && subReady ? "up" : "down"
    if (next === current) return
    current = next
    if (next === "up") {
      if (everUp) {
        reconnects++
        log("info", `bus-redis: ${url} up again after ${Date.now() - downAt} ms; ${dropped - droppedAtDown} publishes dropped meanwhile`)
      } else {
        log("info", `bus-redis: connected to ${url}`)
      }
      everUp = true
    } else {
      downAt = Date.now()
      droppedAtDown = dropped
      if (!closed)
        log(
          "warning",
          `bus-redis: ${url} down (${String((lastCause as Error | undefined)?.message ?? lastCause ?? "connection closed")}); publishes are dropped until it is back`
        )
    }
    const cause = next === "down" ? lastCause : undefined
    for (const l of statusListeners) {
      try {
        l(next, cause)
      } catch (e) {
        log("warning", `bus-redis: an onStatus listener threw: ${String(e)}`)
      }
    }
  }

  const onError = (e: unknown) => {
    lastCause = e
  }
  pub.on("error", onError)
  sub.on("error", onError)

  pub.on("ready", () => {
    pubReady = true
    update()
  })
  pub.on("close", () => {
    // What the socket held is gone with it. ioredis never settles those commands (no resend):
    // they count as dropped in this outage; a late callback of that connection no longer counts.
    const lostInFlight = inflightCount
    pubGeneration++
    inflight = 0
    inflightCount = 0
    full = false // the outage's own lines take over
    pubReady = false
    update()
    dropped += lostInFlight
  })

  sub.on("ready", () => {
    const generation = ++subGeneration
    if (channels.size === 0) {
      subReady = true
      update()
      return
    }
    sub.subscribe(...channels).then(
      () => {
        if (generation !== subGeneration || closed) return
        subReady = true
        update()
      },
      (e: unknown) => {
        lastCause = e
      }
    )
  })
  sub.on("close", () => {
    subGeneration++
    subReady = false
    update()
  })
  sub.on("messageBuffer", (rawChannel: Buffer, message: Buffer) => {
    const channel = rawChannel.toString()
    // Left channels stop at once, even before Redis has processed the UNSUBSCRIBE.
    if (!channels.has(channel)) return
    received++
    for (const l of messageListeners) {
      try {
        l(channel, message)
      } catch (e) {
        if (!listenerFailed) log("warning", `bus-redis: an onMessage listener threw (logged once): ${String(e)}`)
        listenerFailed = true
      }
    }
  })

  const noop = () => {}

  // Publish coalescing: every PUBLISH of one tick leaves in one write. ioredis writes each command
  // with its own `write`, so a batch of broadcasts became that many writes; Redis (on a busy CPU,
  // woken by the first) read them one or two at a time and sent each subscribing node its share
  // of the batch in as many pieces. The receiving node then framed and wrote each piece to every
  // client separately (≈ 3 messages per socket write instead of the batch's 8, see
  // docs/design-decisions.md "One write per tick for the bus's publishes"). Corked until the
  // tick ends, the batch is one write, one read in Redis, one arrival on every other node.
  let corked = false
  const coalesce = (): void => {
    if (corked) return
    corked = true
    const stream = pub.stream
    stream.cork()
    process.nextTick(() => {
      corked = false
      stream.uncork()
    })
  }

  const publish = (channel: string, payload: Uint8Array): boolean => {
    if (!pubReady || closed) {
      dropped++
      return false
    }
    const size = publishSize(Buffer.byteLength(channel), payload.byteLength)
    if (buffered() + size > max) {
      dropped++
      if (!full) {
        full = true
        droppedAtFull = dropped - 1
        log("warning", `bus-redis: ${url} not keeping up (${buffered()} bytes unanswered, bound ${max}); dropping publishes`)
      }
      return false
    }
    inflight += size
    inflightCount++
    published++
    const generation = pubGeneration
    coalesce()
    pub.publish(channel, asBuffer(payload), (err) => {
      if (generation !== pubGeneration) return
      if (err) dropped++
      inflight -= size
      inflightCount--
      if (full && inflight <= max / 2) {
        full = false
        log("info", `bus-redis: ${url} keeping up again; ${dropped - droppedAtFull} publishes dropped meanwhile`)
      }
    })
    return true
  }

  const transport: BusTransport = {
    publish,
    subscribe: (channel) => {
      if (closed || channels.has(channel)) return
      channels.add(channel)
      if (sub.status === "ready") sub.subscribe(channel).catch(onError)
    },
    unsubscribe: (channel) => {
      if (!channels.delete(channel)) return
      if (!closed && sub.status === "ready") sub.unsubscribe(channel).catch(onError)
    },
    onMessage: (listener) => {
      messageListeners.push(listener)
    },
    status: () => current,
    onStatus: (listener) => {
      statusListeners.push(listener)
    },
    stats: () => ({ published, received, dropped, reconnects, bufferedBytes: buffered() })
  }

  const connect = () => Promise.all([pub.connect(), sub.connect()]).then(noop)

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => (closing ??= shutdown())
  const shutdown = async (): Promise<void> => {
    closed = true
    update()
    // A connection with a socket ends with "end"; one waiting to reconnect has none to close:
    // disconnect() only cancels its timer.
    const ended = (c: Redis) =>
      c.status !== "connecting" && c.status !== "connect" && c.status !== "ready"
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 1000)
            c.once("end", () => {
              clearTimeout(t)
              resolve()
            })
          })
    const done = Promise.all([ended(pub), ended(sub)])
    pub.disconnect()
    sub.disconnect()
    await done
  }

  return { transport, connect, close, lastCause: () => lastCause }
}

const make = (options: RedisTransportOptions): Effect.Effect<BusTransport, RedisTransportError, Scope.Scope> =>
  Effect.gen(function* () {
    const url = redact(options.url)
    const invalid = validate(options, url)
    if (invalid !== undefined) return yield* invalid
    const context = yield* Effect.context<never>()
    const log =
      options.log ??
      ((level: "info" | "warning", message: string) => {
        Effect.runForkWith(context)(level === "warning" ? Effect.logWarning(message) : Effect.logInfo(message))
      })
    const localOnly = (options.startWhenDown ?? "fail") === "local-only"
    const { Redis: RedisClient } = yield* Effect.promise(() => import("ioredis"))
    const handle = yield* Effect.acquireRelease(
      Effect.suspend(() => {
        const h = build(RedisClient, options, url, log)
        if (localOnly) {
          // Retries on its own (retryStrategy); the first failure only means "down for now".
          h.connect().catch(() => {})
          return Effect.succeed(h)
        }
        return Effect.tryPromise({
          try: h.connect,
          catch: () => {
            const cause = h.lastCause()
            const why = cause instanceof Error ? cause.message : String(cause ?? "connection closed")
            return new RedisTransportError({ reason: "connect", url, message: `cannot reach Redis at ${url}: ${why}`, cause })
          }
        }).pipe(
          // No release is registered for a failed acquire: stop the retries here.
          Effect.tapError(() => Effect.promise(h.close)),
          Effect.as(h)
        )
      }),
      (h) => Effect.promise(h.close)
    )
    return handle.transport
  })

/**
 * The Redis bus transport as a service: `RedisTransport.make(options)` in a scope, or
 * `RedisTransport.layer(options)` to provide it.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const bus = yield* RedisTransport
 *   bus.subscribe("wspipe:all")
 * })
 * program.pipe(Effect.provide(RedisTransport.layer({ url: "redis://127.0.0.1:6379" })))
 * ```
 */
export class RedisTransport extends Context.Service<RedisTransport, BusTransport>()("@wspipe/bus-redis/RedisTransport") {
  /**
   * Connects both connections (publish, subscribe); closing the scope closes them.
   *
   * @example
   * ```ts
   * const program = Effect.scoped(Effect.gen(function*() {
   *   const bus = yield* RedisTransport.make({ url: "redis://127.0.0.1:6379", maxBufferedBytes: 4 << 20 })
   *   bus.subscribe("wspipe:all")
   * }))
   * ```
   */
  static readonly make = make

  /**
   * `make` as a layer.
   *
   * @example
   * ```ts
   * const BusLive = RedisTransport.layer({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" })
   * ```
   */
  static readonly layer = (options: RedisTransportOptions): Layer.Layer<RedisTransport, RedisTransportError> =>
    Layer.effect(RedisTransport, make(options))
}
