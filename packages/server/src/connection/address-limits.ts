/**
 * Per-client-address limits: open connections (`maxConnectionsPerAddress`) and handshakes per
 * second (`maxHandshakesPerSecondPerAddress`), both answered 429 with `Retry-After` (RFC 6585 §4)
 * by the admission (admission.ts).
 *
 * The rate is a token bucket per address: it holds at most `rate` tokens (so `rate` handshakes
 * may come at once), each handshake takes one, and tokens come back at `rate` per second. Memory
 * stays bounded: an address has an entry only while it has open connections or a bucket that is
 * not full again, and at most once a second (on the next handshake, no timer) the entries that
 * are neither are deleted. A full bucket is the same as no entry, so deleting loses nothing.
 */

/** One address's state. */
interface Entry {
  /** Tokens left at `at` (only meaningful when the rate limit is on). */
  tokens: number
  /** When `tokens` was computed, ms. */
  at: number
  /** Connections counted for this address and not yet released. */
  open: number
}

/** How often at most the table is swept for idle entries, ms. */
const SWEEP_EVERY_MS = 1_000

/**
 * The per-address counters of one server. `0` turns a limit off.
 *
 * @example
 * ```ts
 * const limits = new AddressLimits({ maxConnections: 2, handshakesPerSecond: 10 })
 * limits.handshake("203.0.113.7") // undefined: a token was left
 * limits.open("203.0.113.7") // true: counted (call `release` when the socket closes)
 * limits.release("203.0.113.7")
 * ```
 */
export class AddressLimits {
  private readonly entries = new Map<string, Entry>()
  private lastSweep: number
  readonly maxConnections: number
  readonly handshakesPerSecond: number
  private readonly now: () => number

  constructor(options: { readonly maxConnections: number; readonly handshakesPerSecond: number; readonly now?: () => number }) {
    this.maxConnections = options.maxConnections
    this.handshakesPerSecond = options.handshakesPerSecond
    this.now = options.now ?? Date.now
    this.lastSweep = this.now()
  }

  /** Addresses with an entry (open connections, or a bucket still refilling). */
  get size(): number {
    return this.entries.size
  }

  /**
   * Takes one handshake token for `key`. Returns undefined when one was left, otherwise the
   * whole seconds until the next one (for `Retry-After`, at least 1).
   */
  handshake(key: string): number | undefined {
    const rate = this.handshakesPerSecond
    if (rate <= 0) return undefined
    const now = this.now()
    this.sweep(now)
    const entry = this.entries.get(key)
    if (entry === undefined) {
      this.entries.set(key, { tokens: rate - 1, at: now, open: 0 })
      return undefined
    }
    const tokens = Math.min(rate, entry.tokens + ((now - entry.at) * rate) / 1000)
    entry.at = now
    if (tokens >= 1) {
      entry.tokens = tokens - 1
      return undefined
    }
    entry.tokens = tokens
    return Math.max(1, Math.ceil((1 - tokens) / rate))
  }

  /** Counts one more connection for `key`; false (nothing counted) when it has the most allowed. */
  open(key: string): boolean {
    const max = this.maxConnections
    if (max <= 0) return true
    const entry = this.entries.get(key)
    if (entry === undefined) {
      const now = this.now()
      this.sweep(now)
      this.entries.set(key, { tokens: this.handshakesPerSecond, at: now, open: 1 })
      return true
    }
    if (entry.open >= max) return false
    entry.open++
    return true
  }

  /** Releases a connection counted by `open` (its socket closed). */
  release(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.open === 0) return
    entry.open--
    if (entry.open === 0 && this.refilled(entry, this.now())) this.entries.delete(key)
  }

  private refilled(entry: Entry, now: number): boolean {
    const rate = this.handshakesPerSecond
    return rate <= 0 || entry.tokens + ((now - entry.at) * rate) / 1000 >= rate
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    for (const [key, entry] of this.entries) if (entry.open === 0 && this.refilled(entry, now)) this.entries.delete(key)
  }
}
