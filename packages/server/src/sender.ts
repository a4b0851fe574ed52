/**
 * The sender (one for all connections): owns the connection registry and the topics. It frames
 * each command's message once and routes the bytes: unicast, broadcast to all but the source,
 * broadcast to all, topics (the Erlang original's three routings, plus rooms). It never waits on
 * a socket sender: it offers with the non-waiting batch offer and applies the slow-consumer policy
 * to whatever did not fit (DESIGN §5, §6).
 */
import { checkCloseArgs, encodeClose, encodeFrame, MAX_CONTROL_PAYLOAD, Opcode } from "@wspipe/codec"
import { Duration, Effect, Queue } from "effect"
import type * as Command from "./command.js"
import type { Connection } from "./connection.js"
import type * as Control from "./control.js"
import { byteLength, End, type Framed, type Outbound } from "./outbound.js"
import { frameOutgoing } from "./outgoing.js"
import type { Stats } from "./stats.js"

/** How the sender treats a client whose socket sender's queue is full (DESIGN §6). */
export type SlowConsumerPolicy = "close" | "drop"

/** Sender settings (see `ServerOptions`). */
export interface SenderOptions {
  readonly fragmentSize: number | undefined
  /** How long to wait for the peer's Close after ours before dropping TCP (RFC 6455 §7.1.1). */
  readonly closeTimeoutMs: number
  readonly slowConsumer: SlowConsumerPolicy
  /** A client with this many bytes waiting (queued + in the socket) is a slow consumer. */
  readonly outboundBufferLimit: number
  /** The socket senders' queue capacity (frames). */
  readonly outboundQueueCapacity: number
  /**
   * How far the handler has got. Endings that the receiver reports (peer Close, protocol failure,
   * TCP end) wait until the handler has taken the events before them and its replies have been
   * routed, so those replies go out before the Close (RFC 6455 §5.5.1). Without it they wait
   * only for what is already in the sender's inbox.
   */
  readonly handlerProgress?: Control.HandlerProgress | undefined
  /** False while stages around the handler still hold events or commands. */
  readonly stagesIdle?: (() => boolean) | undefined
  /** True while the handler still works on something of this connection (see `Handler.busy`). */
  readonly handlerBusy?: ((conn: Connection) => boolean) | undefined
}

/** `End`, or a control frame (opcode ≥ 8, RFC 6455 §5.5): never dropped for a slow consumer. */
const isControl = (item: Outbound): boolean =>
  item instanceof Uint8Array ? (item[0]! & 0x08) !== 0 : item._tag === "End"

/** An ending waiting for its turn; `routeUntil` is -1 until the handler has caught up. */
interface Waiting {
  readonly ending: Control.PeerClose | Control.Fail | Control.Gone
  readonly since: number
  routeUntil: number
}

/** One registered connection. */
interface Entry {
  readonly conn: Connection
  readonly link: Control.SocketLink
  /** Frames routed to this connection in the current batch; none between batches (no array kept). */
  pending: Array<Outbound> | undefined
  /** In `touched` this batch. */
  touched: boolean
  /** We sent Close and wait for the peer's (§7.1.2). */
  closeSent: boolean
  /** `End` was queued or the socket was destroyed: nothing more is sent. */
  ended: boolean
  closeTimer: ReturnType<typeof setTimeout> | undefined
  /** Created on the first subscribe (most connections never join a topic). */
  topics: Set<string> | undefined
}

/**
 * Runs the sender.
 *
 * @example
 * ```ts
 * yield* Effect.forkScoped(sender(senderInbox, { fragmentSize: undefined, closeTimeoutMs: 5000, slowConsumer: "close" }))
 * ```
 */
export const sender = (
  inbox: Queue.Dequeue<Command.Command | Control.Control>,
  options: SenderOptions,
  stats?: Stats
): Effect.Effect<never> => {
// State lives outside the fiber body: if the supervisor restarts the body, the registry and
// topics survive.
  const registry = new Map<number, Entry>()
  const topics = new Map<string, Set<Entry>>()
  let touched: Array<Entry> = []
  let frames = 0
  let bytes = 0
  /** Endings waiting for the handler (see `SenderOptions.handlerProgress`). */
  let endings: Array<Waiting> = []
  /** Commands and controls taken from the inbox so far. */
  let taken = 0
  const progress = options.handlerProgress
  const busy = options.handlerBusy ?? (() => false)
  const stagesIdle = options.stagesIdle ?? (() => true)

  const push = (entry: Entry, item: Outbound): void => {
    if (entry.ended) return
    if (!entry.touched) {
      entry.touched = true
      touched.push(entry)
    }
    if (entry.pending === undefined) entry.pending = [item]
    else entry.pending.push(item)
    if (item !== End) {
      frames++
      bytes += byteLength(item)
    }
  }
  const pushEnd = (entry: Entry): void => {
    push(entry, End)
    entry.ended = true
    clearCloseTimer(entry)
  }
  const clearCloseTimer = (entry: Entry): void => {
    if (entry.closeTimer !== undefined) clearTimeout(entry.closeTimer)
    entry.closeTimer = undefined
  }
  const startClose = (entry: Entry, code: number, reason: string): void => {
    if (entry.closeSent || entry.ended) return
    push(entry, encodeClose(code, reason))
    entry.closeSent = true
    // §7.1.1: wait a bounded time for the peer's Close, then drop TCP ourselves.
    entry.closeTimer = setTimeout(() => entry.link.destroy(), options.closeTimeoutMs)
    entry.closeTimer.unref()
  }
  const forget = (entry: Entry): void => {
    registry.delete(entry.conn.id)
    if (entry.topics === undefined) return
    for (const topic of entry.topics) {
      const members = topics.get(topic)
      if (members === undefined) continue
      members.delete(entry)
      if (members.size === 0) topics.delete(topic)
    }
    entry.topics = undefined
  }
  const toAll = (bytesOut: Framed, except: Connection | undefined): void => {
    for (const entry of registry.values()) {
      if (entry.conn !== except && !entry.closeSent) push(entry, bytesOut)
    }
  }

  const route = (command: Command.Command | Control.Control): void => {
    switch (command._tag) {
      case "Unicast": {
        const entry = registry.get(command.to.id)
        if (entry !== undefined && !entry.closeSent) push(entry, frameOutgoing(command.message, options.fragmentSize))
        return
      }
      case "Broadcast":
        return toAll(frameOutgoing(command.message, options.fragmentSize), command.except)
      case "BroadcastAll":
        return toAll(frameOutgoing(command.message, options.fragmentSize), undefined)
      case "Publish": {
        const members = topics.get(command.topic)
        if (members === undefined) return
        const framed = frameOutgoing(command.message, options.fragmentSize)
        for (const entry of members) {
          if (entry.conn !== command.except && !entry.closeSent) push(entry, framed)
        }
        return
      }
      case "Subscribe": {
        const entry = registry.get(command.conn.id)
        if (entry === undefined || entry.ended) return
        let members = topics.get(command.topic)
        if (members === undefined) topics.set(command.topic, members = new Set())
        members.add(entry)
        ;(entry.topics ??= new Set()).add(command.topic)
        return
      }
      case "Unsubscribe": {
        const entry = registry.get(command.conn.id)
        const members = topics.get(command.topic)
        if (entry === undefined || members === undefined) return
        members.delete(entry)
        entry.topics?.delete(command.topic)
        if (members.size === 0) topics.delete(command.topic)
        return
      }
      case "Close": {
        const entry = registry.get(command.to.id)
        // Command.close is not checked where it is built: never put an invalid Close on the
        // wire (RFC 6455 §5.5, §7.4.1); close with 1011 instead (the handler's error).
        if (entry === undefined) return
        if (checkCloseArgs(command.code, command.reason) === undefined) startClose(entry, command.code, command.reason)
        else startClose(entry, 1011, "invalid close code or reason")
        return
      }
      case "Ping": {
        const entry = registry.get(command.to.id)
        // A control frame carries at most 125 bytes (RFC 6455 §5.5): a larger Ping is not sent.
        if (entry !== undefined && !entry.closeSent && command.data.length <= MAX_CONTROL_PAYLOAD) {
          push(entry, encodeFrame(Opcode.Ping, command.data))
        }
        return
      }
      case "Register":
        registry.set(command.conn.id, {
          conn: command.conn,
          link: command.link,
          pending: undefined,
          touched: false,
          closeSent: false,
          ended: false,
          closeTimer: undefined,
          topics: undefined
        })
        return
      case "Pong": {
        const entry = registry.get(command.to.id)
        // §5.5.3: a Pong answers with the Ping's payload; none after our Close (§5.5.1).
        if (entry !== undefined && !entry.closeSent) push(entry, encodeFrame(Opcode.Pong, command.data))
        return
      }
      case "PeerClose":
      case "Fail":
      case "Gone":
        // Carried out after this batch at the earliest (see settleEndings).
        endings.push({ ending: command, since: Date.now(), routeUntil: -1 })
        return
      case "CloseAll":
        for (const entry of registry.values()) startClose(entry, command.code, command.reason)
        return
    }
  }

  /**
   * Carries out an ending the receiver reported: answer with a Close unless ours went already —
   * the peer's code echoed (§5.5.1; none when its Close had none), or the failure's code (§7.1.7) —
   * then end TCP (the server closes first, §7.1.1) and forget the connection. A TCP end needs no Close.
   */
  const end = (command: Control.PeerClose | Control.Fail | Control.Gone): void => {
    const entry = registry.get(command.to.id)
    if (entry === undefined) return
    if (command._tag !== "Gone" && !entry.closeSent) {
      push(entry, command._tag === "Fail"
        ? encodeClose(command.code, command.reason)
        : command.code === 1005 ? encodeClose() : encodeClose(command.code, ""))
    }
    entry.closeSent = true
    pushEnd(entry)
    forget(entry)
  }

  /**
   * Carries out the endings whose turn has come: the handler has taken every event up to the
   * ending's mark and is not still working on that connection; then everything that was in the
   * inbox at that moment (the handler's replies among it) has been routed. An ending never waits
   * longer than `closeTimeoutMs`.
   */
  const settleEndings = (): void => {
    if (endings.length === 0) return
    const now = Date.now()
    const list = endings
    endings = []
    for (let i = 0; i < list.length; i++) {
      const waiting = list[i]!
      const { ending } = waiting
      if (now - waiting.since < options.closeTimeoutMs) {
        if (waiting.routeUntil < 0) {
          if ((progress !== undefined && progress.taken() < ending.mark) || busy(ending.to) || !stagesIdle()) {
            endings.push(waiting)
            continue
          }
          waiting.routeUntil = taken + Queue.sizeUnsafe(inbox)
        }
        if (taken < waiting.routeUntil) {
          endings.push(waiting)
          continue
        }
      }
      end(ending)
    }
  }

  const flush = (): void => {
    const list = touched
    touched = []
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!
      entry.touched = false
      let pending = entry.pending ?? []
      entry.pending = undefined
      // The byte limit counts what is already waiting for this client; a single message larger
      // than the limit still goes out to a client that keeps up.
      if (entry.link.buffered() >= options.outboundBufferLimit) {
        pending = slowConsumer(entry, pending)
        if (pending.length === 0) continue
      }
      const rest = entry.link.offer(pending)
      if (rest.length > 0) {
        const kept = slowConsumer(entry, rest)
        if (kept.length > 0) entry.link.offer(kept)
      }
    }
    if (stats !== undefined) stats.sent(frames, bytes)
    frames = 0
    bytes = 0
  }

  /**
   * The client does not read fast enough. "close": close it with 1008 at once, without waiting
   * for it (DESIGN §6). "drop": drop its data frames and count them, but keep control frames and
   * `End`, which the close handshake needs. Returns what should still be offered.
   */
  const slowConsumer = (entry: Entry, rest: ReadonlyArray<Outbound>): Array<Outbound> => {
    if (options.slowConsumer === "drop") {
      const kept = rest.filter(isControl)
      stats?.dropped(rest.length - kept.length)
      if (kept.length === 0 || entry.link.queued() < options.outboundQueueCapacity) return kept
    }
    stats?.slowConsumerClosed()
    entry.ended = true
    clearCloseTimer(entry)
    forget(entry)
    entry.link.abort(1008, "slow consumer: outbound buffer limit exceeded")
    return []
  }

  /** Polls in a row that found nothing new while endings waited. */
  let idlePolls = 0
  return Effect.gen(function*() {
    while (true) {
      // With endings waiting, poll instead of sleeping on the queue, so they are settled soon
      // after the handler catches up even if it sends nothing.
      const batch = endings.length === 0 ? yield* Queue.takeAll(inbox) : yield* Queue.clear(inbox)
      taken += batch.length
      for (let i = 0; i < batch.length; i++) route(batch[i]!)
      settleEndings()
      flush()
      if (batch.length === 0 && endings.length > 0) {
        // The handler usually catches up within a scheduler turn: yield a few times before
        // sleeping (under connection churn a 1 ms timer per poll fired thousands of times a second).
        if (idlePolls++ < 3) yield* Effect.yieldNow
        else yield* Effect.sleep(Duration.millis(1))
      } else idlePolls = 0
    }
  })
}
