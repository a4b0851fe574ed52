/**
 * The bus: the actor beside the sender that joins this node's sender to every other node's
 * through an engine (`BusTransport`: Redis pub/sub, or another). Commands whose audience spans
 * nodes — broadcast, broadcast-all, publish to a topic, unicast or close to a connection of another
 * node — leave once per node: the sender routes them locally and hands them to the bus, which
 * publishes one message on one channel. What arrives from the bus is given to this node's sender
 * as a `Remote` command, delivered to local connections only, and never published again.
 *
 * Channels: `<prefix>:all` (broadcasts, every node), `<prefix>:node:<id>` (unicast and close to
 * that node's connections), `<prefix>:topic:<topic>` (a node subscribes on its first local member
 * and unsubscribes on its last, so nodes do not receive what nobody local wants).
 *
 * Bounded like every queue: what does not fit into the bus's queue, what the transport refuses
 * (engine down, its own bound reached) and what the sender has no room for on arrival is counted,
 * never buffered without bound. Redis pub/sub is at most once: a message lost while the engine is
 * down is counted as dropped, not retried.
 */
import { Effect, Queue } from "effect"
import type { Address } from "../connection/connection.js"
import type * as Command from "../messages/command.js"
import * as RuntimeMessage from "../messages/runtime-message.js"
import { payloadOf } from "../actors/sender/framing.js"
import type { BusTransport } from "./transport.js"
import * as ActorQueue from "../runtime/actor-queue.js"
import { type BusMessage, decode, encode, WireError } from "./wire.js"

/** How a server joins a bus. */
export interface BusOptions {
  readonly transport: BusTransport
  /** This node's id, unique among the nodes on the bus. Default: random. */
  readonly nodeId?: string
  /** Channel name prefix (one per application sharing an engine). Default "wspipe". */
  readonly prefix?: string
  /** Capacity of the bus's queue, in messages. Default 4096. */
  readonly queueCapacity?: number
}

/** Why a bus message was lost (the `reason` of `wspipe_bus_dropped`). */
export type DropReason = "queue-full" | "transport" | "sender-full" | "undecodable" | "unencodable"

/**
 * The bus's counters: plain numbers on the hot path, turned into metrics once a second by the
 * pipeline's sampler (so a message costs no metric update).
 */
export class BusCounters {
  published = 0
  received = 0
  readonly dropped: Record<DropReason, number> = { "queue-full": 0, transport: 0, "sender-full": 0, undecodable: 0, unencodable: 0 }
  topics = 0
  drop(reason: DropReason): void {
    this.dropped[reason]++
  }
}

/** A message leaving this node. */
export type Leaving =
  | { readonly kind: "broadcast" | "broadcastAll"; readonly except: Address | undefined; readonly message: Command.Outgoing }
  | { readonly kind: "publish"; readonly topic: string; readonly except: Address | undefined; readonly message: Command.Outgoing }
  | { readonly kind: "unicast"; readonly to: Address; readonly message: Command.Outgoing }
  | { readonly kind: "close"; readonly to: Address; readonly code: number; readonly reason: string }

const WAKE = { kind: "wake" } as const

/**
 * The sender's side of the bus: it offers what leaves the node (never waiting: a full queue is
 * counted) and says which topics have local members.
 */
export class BusLink {
  /** Topic interest changes not yet applied: bounded by the number of topics, not by traffic. */
  readonly interest = new Map<string, boolean>()

  constructor(
    readonly nodeId: string,
    private readonly queue: Queue.Queue<Leaving | typeof WAKE>,
    private readonly counters: BusCounters
  ) {}

  send(leaving: Leaving): void {
    if (!Queue.offerUnsafe(this.queue, leaving)) this.counters.drop("queue-full")
  }

  /** Messages waiting to leave (for the queue-depth metric). */
  depth(): number {
    return Queue.sizeUnsafe(this.queue)
  }

  /** The first local member joined `topic` (true), or the last one left (false). */
  interested(topic: string, yes: boolean): void {
    this.interest.set(topic, yes)
    Queue.offerUnsafe(this.queue, WAKE) // a full queue wakes the bus anyway
  }
}

const channels = (prefix: string) => ({
  all: `${prefix}:all`,
  node: (id: string) => `${prefix}:node:${id}`,
  topic: (topic: string) => `${prefix}:topic:${topic}`
})

/** `node:id`, the wire form of a connection's address. */
const addressText = (a: Address): string => `${a.node}:${a.id}`
const parseAddress = (text: string): Address | undefined => {
  const at = text.lastIndexOf(":")
  const id = Number(text.slice(at + 1))
  return at <= 0 || !Number.isSafeInteger(id) ? undefined : { node: text.slice(0, at), id }
}

/**
 * Makes the bus: its queue, the sender's link, and the actor to run (forked by the pipeline).
 * Arrivals go straight from the transport's callback into the sender's inbox (no fiber per
 * message).
 */
export const make = (
  options: BusOptions,
  nodeId: string,
  senderInbox: Queue.Enqueue<RuntimeMessage.RuntimeMessage>
): Effect.Effect<{ readonly link: BusLink; readonly counters: BusCounters; readonly run: Effect.Effect<never> }> =>
  Effect.gen(function* () {
    const { transport } = options
    const ch = channels(options.prefix ?? "wspipe")
    const queue = yield* ActorQueue.bounded<Leaving | typeof WAKE>(options.queueCapacity ?? 4096)
    const counters = new BusCounters()
    const link = new BusLink(nodeId, queue, counters)
    const subscribed = new Set<string>()

    transport.onMessage((channel, payload) => {
      const message = decode(payload)
      if (message instanceof WireError) return counters.drop("undecodable")
      if (message.node === nodeId) return // our own publish, echoed by the engine
      counters.received++
      const command = arrival(message, nodeId, channel, ch.all)
      if (command === undefined) return counters.drop("undecodable")
      if (!Queue.offerUnsafe(senderInbox, RuntimeMessage.Remote(command))) counters.drop("sender-full")
    })
    transport.subscribe(ch.all)
    transport.subscribe(ch.node(nodeId))

    const publish = (channel: string, message: BusMessage): void => {
      const bytes = encode(message)
      if (bytes instanceof WireError) return counters.drop("unencodable")
      if (transport.publish(channel, bytes)) counters.published++
      else counters.drop("transport")
    }

    const leave = (item: Leaving): void => {
      switch (item.kind) {
        case "broadcast":
        case "broadcastAll":
        case "publish": {
          const { messageKind, data } = payloadOf(item.message)
          const base = { node: nodeId, kind: item.kind, messageKind, data } as const
          const except = item.except === undefined ? {} : { except: addressText(item.except) }
          return item.kind === "publish"
            ? publish(ch.topic(item.topic), { ...base, ...except, topic: item.topic })
            : publish(ch.all, { ...base, ...except })
        }
        case "unicast": {
          const { messageKind, data } = payloadOf(item.message)
          return publish(ch.node(item.to.node), { node: nodeId, kind: "unicast", to: String(item.to.id), messageKind, data })
        }
        case "close":
          return publish(ch.node(item.to.node), {
            node: nodeId,
            kind: "close",
            to: String(item.to.id),
            code: item.code,
            reason: item.reason,
            messageKind: "text",
            data: EMPTY
          })
      }
    }

    const applyInterest = (): void => {
      for (const [topic, yes] of link.interest) {
        const channel = ch.topic(topic)
        if (yes && !subscribed.has(channel)) {
          subscribed.add(channel)
          transport.subscribe(channel)
        } else if (!yes && subscribed.delete(channel)) transport.unsubscribe(channel)
      }
      link.interest.clear()
      counters.topics = subscribed.size
    }

    const run = Effect.forever(
      Effect.map(Queue.takeAll(queue), (batch) => {
        if (link.interest.size > 0) applyInterest()
        for (let i = 0; i < batch.length; i++) {
          const item = batch[i]!
          if (item.kind !== "wake") leave(item)
        }
      })
    )
    return { link, counters, run }
  })

const EMPTY = new Uint8Array(0)

/** What a message from another node asks this node's sender to do, addressed to local connections. */
const arrival = (m: BusMessage, nodeId: string, channel: string, allChannel: string): Command.Command | undefined => {
  // Copy: `data` is a view into the engine's buffer, and the sender may keep it queued.
  const message = { kind: m.messageKind, data: Uint8Array.prototype.slice.call(m.data) } as const
  const except = m.except === undefined ? undefined : parseAddress(m.except)
  const localExcept = except !== undefined && except.node === nodeId ? except : undefined
  switch (m.kind) {
    case "broadcast":
    case "broadcastAll":
      if (channel !== allChannel) return undefined
      return localExcept === undefined ? { _tag: "BroadcastAll", message } : { _tag: "Broadcast", except: localExcept, message }
    case "publish":
      return m.topic === undefined ? undefined : { _tag: "Publish", topic: m.topic, message, except: localExcept }
    case "unicast":
    case "close": {
      const id = Number(m.to)
      if (!Number.isSafeInteger(id)) return undefined
      const to = { node: nodeId, id }
      return m.kind === "unicast" ? { _tag: "Unicast", to, message } : { _tag: "Close", to, code: m.code ?? 1000, reason: m.reason ?? "" }
    }
  }
}
