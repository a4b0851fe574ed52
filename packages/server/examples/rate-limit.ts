// packages/server/examples/rate-limit.ts
/**
 * A per-connection token bucket in front of the handler. Each connection may send `burst`
 * messages at once and `perSecond` on average. Past that, its messages are dropped and counted;
 * with `onFlood: "close"` the handler is also asked, once, to close it with 1008 (policy
 * violation, RFC 6455 §7.4.1). Open and Closed always pass.
 */
import { type Event, Inbox, Stage } from "@wspipe/server"
import { Clock, Effect, Queue } from "effect"
import { Refused } from "./refused.js"

export interface RateLimitOptions {
  readonly burst: number
  readonly perSecond: number
  readonly onFlood: "drop" | "close"
}

export interface RateLimit extends Stage.Stage<Event.Event, Event.Event | Refused> {
  /** Messages dropped so far. */
  readonly dropped: () => number
}

interface Bucket {
  tokens: number
  at: number
  refused: boolean
}

export const rateLimit = (options: RateLimitOptions): RateLimit => {
  let dropped = 0
  const stage = Stage.make<Event.Event, Event.Event | Refused>("rate-limit", (input, output) =>
    Effect.gen(function* () {
      const buckets = new Map<number, Bucket>()
      while (true) {
        const batch = yield* Inbox.takeAll(input)
        const now = yield* Clock.currentTimeMillis // once per batch, not per message
        const out: Array<Event.Event | Refused> = []
        for (const e of batch) {
          if (e._tag === "Closed") buckets.delete(e.conn.id)
          if (e._tag !== "Message") {
            out.push(e)
            continue
          }
          let bucket = buckets.get(e.conn.id)
          if (bucket === undefined) buckets.set(e.conn.id, (bucket = { tokens: options.burst, at: now, refused: false }))
          bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.at) * options.perSecond) / 1000)
          bucket.at = now
          if (bucket.tokens >= 1) {
            bucket.tokens -= 1
            out.push(e)
            continue
          }
          dropped++
          if (options.onFlood === "close" && !bucket.refused) {
            bucket.refused = true
            out.push(Refused(e.conn, 1008, "rate limit exceeded"))
          }
        }
        if (out.length > 0) yield* Queue.offerAll(output, out)
      }
    })
  )
  return { ...stage, dropped: () => dropped }
}
