/**
 * The contract between the bus actor and a message engine. Dependency-free on purpose: the lead
 * moves it into `@wspipe/server` and this package then imports it from there.
 *
 * Plain callbacks, no Effect: the bus publishes and receives on its hot path, and a callback costs
 * a function call where an Effect would cost a fiber step per message.
 *
 * @module
 */

/**
 * Up when the engine can carry messages both ways (for Redis: both connections ready and every
 * channel subscribed again), down otherwise.
 *
 * @example
 * ```ts
 * const s: TransportStatus = transport.status() // "up" | "down"
 * ```
 */
export type TransportStatus = "up" | "down"

/**
 * Counters for metrics, all since the transport was made.
 *
 * - `published`: publishes accepted (`publish` returned true).
 * - `received`: messages handed to the `onMessage` listeners.
 * - `dropped`: publishes refused (`publish` returned false) plus accepted ones whose connection
 *   failed before the engine answered (they may or may not have been delivered).
 * - `reconnects`: times the transport came back up after having been up.
 * - `bufferedBytes`: bytes accepted and not yet acknowledged by the engine (client queue, socket
 *   buffer and whatever the kernel and the engine hold unread); never above the configured bound.
 *
 * @example
 * ```ts
 * const { dropped, bufferedBytes } = transport.stats()
 * ```
 */
export interface TransportStats {
  readonly published: number
  readonly received: number
  readonly dropped: number
  readonly reconnects: number
  readonly bufferedBytes: number
}

/**
 * What the bus actor needs from an engine (Redis pub/sub, or another). Plain callbacks: the hot
 * path pays no Effect per message.
 *
 * @example
 * ```ts
 * transport.onMessage((channel, payload) => bus.deliver(channel, payload))
 * transport.subscribe("wspipe:all")
 * if (!transport.publish("wspipe:all", bytes)) lost++
 * ```
 */
export interface BusTransport {
  /** Publishes without waiting. false = not sent (engine down, or the bounded outgoing buffer is full): the caller counts it as lost. */
  readonly publish: (channel: string, payload: Uint8Array) => boolean
  /** Idempotent; the transport re-subscribes every channel after a reconnect. */
  readonly subscribe: (channel: string) => void
  readonly unsubscribe: (channel: string) => void
  /** Messages published by other nodes (and by this one: the bus filters by node id). */
  readonly onMessage: (listener: (channel: string, payload: Uint8Array) => void) => void
  readonly status: () => TransportStatus
  readonly onStatus: (listener: (status: TransportStatus, cause?: unknown) => void) => void
  /** Counters for metrics. */
  readonly stats: () => TransportStats
}
