/**
 * Handing each batch's frames to the socket senders, and the slow-consumer policy for a client
 * that does not read: the sender never waits on one client's socket sender (it offers without
 * waiting), so one slow client never stalls the others.
 */
import type { Outbound } from "../../messages/outbound.js"
import { abort } from "./closing.js"
import type { Entry, SenderState } from "./state.js"

/** `End`, or a control frame (opcode ≥ 8, RFC 6455 §5.5): never dropped for a slow consumer. */
const isControl = (item: Outbound): boolean => (item instanceof Uint8Array ? (item[0]! & 0x08) !== 0 : item._tag === "End")

/**
 * The client does not read fast enough. "close": close it with 1008 at once, without waiting
 * for it. "drop": drop its data frames and count them, but keep control frames and `End`, which
 * the close handshake needs. Returns what should still be offered.
 */
const slowConsumer = (state: SenderState, entry: Entry, rest: ReadonlyArray<Outbound>): Array<Outbound> => {
  const { options, recorder } = state
  if (options.slowConsumer === "drop") {
    const kept = rest.filter(isControl)
    recorder?.dropped(rest.length - kept.length)
    if (kept.length === 0 || entry.link.queued() < options.outboundQueueCapacity) return kept
  }
  recorder?.slowConsumerClosed()
  abort(state, entry, { origin: "server", code: 1008, reason: "slow consumer: outbound buffer limit exceeded" })
  return []
}

/** Offers every touched connection its frames of this batch, in one call each. */
export const flush = (state: SenderState): void => {
  const list = state.touched
  state.touched = []
  const limit = state.options.outboundBufferLimit
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!
    entry.touched = false
    let pending = entry.pending ?? []
    entry.pending = undefined
    // The byte limit counts what is already waiting for this client; a single message larger
    // than the limit still goes out to a client that keeps up.
    if (entry.link.backlog() >= limit) {
      pending = slowConsumer(state, entry, pending)
      if (pending.length === 0) continue
    }
    const rest = entry.link.offer(pending)
    if (rest.length > 0) {
      const kept = slowConsumer(state, entry, rest)
      if (kept.length > 0) entry.link.offer(kept)
    }
  }
  state.recorder?.sent(state.frames, state.bytes)
  state.frames = 0
  state.bytes = 0
}
