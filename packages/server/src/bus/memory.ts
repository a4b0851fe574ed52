/**
 * An in-process engine for the bus: several servers in one process (tests, a development setup)
 * joined without Redis. It behaves as Redis pub/sub does for the bus: a publish reaches every
 * transport subscribed to the channel (its publisher included), later (not inside `publish`),
 * in publish order; nothing is kept for a transport that is not subscribed.
 */
import type { BusTransport, TransportStatus } from "./transport.js"

/** A hub; each `transport()` is one node's connection to it. */
export interface MemoryHub {
  readonly transport: () => BusTransport
  /** Takes the hub down (`false`) or up again: while down, publishes are refused, as with an engine outage. */
  readonly setUp: (up: boolean) => void
}

/**
 * Makes an in-process hub.
 *
 * @example
 * ```ts
 * import { Bus } from "@wspipe/server"
 *
 * const hub = Bus.memoryHub()
 * const a = hub.transport()
 * const b = hub.transport()
 * b.subscribe("wspipe:all")
 * a.publish("wspipe:all", Uint8Array.of(1)) // b's listeners get it on a later turn
 * ```
 */
export const memoryHub = (): MemoryHub => {
  const members = new Set<Member>()
  let up = true
  const statusListeners = new Set<(status: TransportStatus) => void>()
  return {
    setUp: (next) => {
      if (next === up) return
      up = next
      for (const listener of statusListeners) listener(up ? "up" : "down")
    },
    transport: () => {
      const member: Member = { channels: new Set(), listeners: [], received: 0 }
      members.add(member)
      let published = 0
      let dropped = 0
      return {
        publish: (channel, payload) => {
          if (!up) {
            dropped++
            return false
          }
          published++
          const copy = payload.slice()
          queueMicrotask(() => {
            for (const m of members) {
              if (!m.channels.has(channel)) continue
              m.received++
              for (const listener of m.listeners) listener(channel, copy)
            }
          })
          return true
        },
        subscribe: (channel) => void member.channels.add(channel),
        unsubscribe: (channel) => void member.channels.delete(channel),
        onMessage: (listener) => void member.listeners.push(listener),
        status: () => (up ? "up" : "down"),
        onStatus: (listener) => void statusListeners.add(listener),
        stats: () => ({ published, received: member.received, dropped, reconnects: 0, bufferedBytes: 0 })
      }
    }
  }
}

interface Member {
  readonly channels: Set<string>
  readonly listeners: Array<(channel: string, payload: Uint8Array) => void>
  received: number
}
