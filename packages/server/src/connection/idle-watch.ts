/**
 * The idle timeout, for all of a server's connections with one timer: after `idleTimeoutMs`
 * without a byte from a peer, ping it (RFC 6455 §5.5.2); if another `idleTimeoutMs` passes
 * without a byte (no Pong either), tell the sender to fail it with 1001. Both go through the
 * sender's inbox, like every command: the watch never touches a socket.
 *
 * Why one timer and not Node's per-socket `setTimeout`: a per-socket timer is an object, a
 * listener and a closure per idle connection (~250 bytes of heap) and is refreshed on every read
 * and write. Here each connection is a few fields, a sweep every `idleTimeoutMs / 4` (at most
 * every second) compares byte counts, and reads cost nothing extra. A peer is never pinged early:
 * a sweep counts inactivity from the sweep that last saw its count move, so it may be pinged up
 * to one sweep late.
 */
import type { Connection } from "./connection.js"

/**
 * A watched connection: the watch's fields live on an object of the connection's (its socket
 * receiver), not in an entry of the watch's own: one object fewer per idle connection.
 */
export interface Watched {
  readonly conn: Connection
  /** Bytes read from the peer so far (the socket receiver's count). */
  readonly bytesRead: number
  /** `bytesRead` when the sweep at `since` saw it move. */
  seen: number
  since: number
  /** When we pinged, or -1. */
  pingedAt: number
}

/**
 * What the watch asks of the sender. Each returns false when the sender's inbox had no room: the
 * next sweep asks again.
 */
export interface Verdicts {
  readonly ping: (conn: Connection) => boolean
  readonly timeout: (conn: Connection) => boolean
}

/**
 * @example
 * ```ts
 * import { IdleWatch } from "@wspipe/server/internal"
 *
 * const idle = new IdleWatch(60_000, { ping: (conn) => true, timeout: (conn) => true })
 * ```
 */
export class IdleWatch {
  private readonly entries = new Set<Watched>()
  private timer: ReturnType<typeof setInterval> | undefined = undefined
  private readonly sweepMs: number

  constructor(
    private readonly idleMs: number,
    private readonly verdicts: Verdicts
  ) {
    this.sweepMs = Math.max(1, Math.min(1_000, Math.floor(idleMs / 4)))
  }

  /** Watches a connection until `unwatch` (when its socket closes). Undefined when disabled. */
  watch<W extends Watched>(watched: W): W | undefined {
    if (this.idleMs === 0) return undefined
    watched.seen = watched.bytesRead
    watched.since = Date.now()
    watched.pingedAt = -1
    this.entries.add(watched)
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.sweepMs)
      this.timer.unref()
    }
    return watched
  }

  unwatch(watched: Watched | undefined): void {
    if (watched === undefined) return
    this.entries.delete(watched)
    if (this.entries.size === 0) this.stop()
  }

  /** Stops the timer (the server is shutting down, or nothing is watched). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  private readonly sweep = (): void => {
    const now = Date.now()
    const idleMs = this.idleMs
    for (const watched of this.entries) {
      const read = watched.bytesRead
      if (read !== watched.seen) {
        watched.seen = read
        watched.since = now
        watched.pingedAt = -1
      } else if (watched.pingedAt >= 0) {
        if (now - watched.pingedAt >= idleMs && this.verdicts.timeout(watched.conn)) this.entries.delete(watched)
      } else if (now - watched.since >= idleMs && this.verdicts.ping(watched.conn)) {
        watched.pingedAt = now
      }
    }
  }
}
