/**
 * The actors' side of the metrics: they count in plain variables and report once per batch
 * through plain method calls, so metrics cost no Effect per message.
 */
import { type Context, Metric } from "effect"
import type * as Event from "../messages/event.js"
import { metrics } from "./metrics.js"

const queueDepthOf = {
  receiver: Metric.withAttributes(metrics.queueDepth, { queue: "receiver" }),
  handler: Metric.withAttributes(metrics.queueDepth, { queue: "handler" }),
  sender: Metric.withAttributes(metrics.queueDepth, { queue: "sender" }),
  bus: Metric.withAttributes(metrics.queueDepth, { queue: "bus" })
}

/** What the bus reports once a second (cumulative counts). */
export interface BusSample {
  readonly published: number
  readonly received: number
  readonly dropped: Readonly<Record<string, number>>
  readonly topics: number
  readonly depth: number
  readonly reconnects: number
  readonly up: boolean
}

/** What the deflate engine reports once a second (cumulative counts, and its jobs now). */
export interface DeflateSample {
  readonly inflated: number
  readonly compressed: number
  readonly sliced: number
  readonly shared: number
  readonly receivedCompressed: number
  readonly receivedInflated: number
  readonly sentUncompressed: number
  readonly sentCompressed: number
  readonly jobsRunning: number
  readonly jobsQueued: number
}

const deflateCounters = [
  ["inflated", metrics.deflateInflated],
  ["compressed", metrics.deflateCompressed],
  ["sliced", metrics.deflateSliced],
  ["shared", metrics.deflateShared],
  ["receivedCompressed", metrics.deflateReceivedCompressed],
  ["receivedInflated", metrics.deflateReceivedInflated],
  ["sentUncompressed", metrics.deflateSentUncompressed],
  ["sentCompressed", metrics.deflateSentCompressed]
] as const

/** Per-batch metric updates for the actors (plain method calls; no Effect per message). */
export class Recorder {
  /** The bus counts as last reported, to turn its cumulative counts into increments. */
  private lastBus: { published: number; received: number; dropped: Record<string, number> } = { published: 0, received: 0, dropped: {} }

  /** The deflate engine's counts as last reported. */
  private lastDeflate: Partial<Record<keyof DeflateSample, number>> = {}

  constructor(private readonly context: Context.Context<never>) {}

  /** The deflate engine's counters, sampled once a second. */
  deflate(sample: DeflateSample): void {
    for (const [key, metric] of deflateCounters) {
      const more = sample[key] - (this.lastDeflate[key] ?? 0)
      if (more > 0) metric.updateUnsafe(more, this.context)
    }
    this.lastDeflate = { ...sample }
    metrics.deflateJobsRunning.updateUnsafe(sample.jobsRunning, this.context)
    metrics.deflateJobsQueued.updateUnsafe(sample.jobsQueued, this.context)
  }

  /** The bus's counters, sampled once a second. */
  bus(sample: BusSample): void {
    const last = this.lastBus
    if (sample.published > last.published) metrics.busPublished.updateUnsafe(sample.published - last.published, this.context)
    if (sample.received > last.received) metrics.busReceived.updateUnsafe(sample.received - last.received, this.context)
    const dropped: Record<string, number> = {}
    for (const [reason, n] of Object.entries(sample.dropped)) {
      const more = n - (last.dropped[reason] ?? 0)
      if (more > 0) Metric.withAttributes(metrics.busDropped, { reason }).updateUnsafe(more, this.context)
      dropped[reason] = n
    }
    this.lastBus = { published: sample.published, received: sample.received, dropped }
    metrics.busTopics.updateUnsafe(sample.topics, this.context)
    metrics.busReconnects.updateUnsafe(sample.reconnects, this.context)
    metrics.busUp.updateUnsafe(sample.up ? 1 : 0, this.context)
    queueDepthOf.bus.updateUnsafe(sample.depth, this.context)
  }

  received(bytes: number, events: ReadonlyArray<unknown>): void {
    let messages = 0
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as Partial<Event.Event>
      if (e._tag === "Message") messages++
      else if (e._tag === "Closed") {
        metrics.closeCodes.updateUnsafe(String(e.code), this.context)
        metrics.closeOrigins.updateUnsafe(e.origin!, this.context)
      }
    }
    if (bytes > 0) metrics.bytesIn.updateUnsafe(bytes, this.context)
    if (messages > 0) metrics.messagesIn.updateUnsafe(messages, this.context)
  }
  sent(frames: number, bytes: number): void {
    if (frames > 0) metrics.messagesOut.updateUnsafe(frames, this.context)
    if (bytes > 0) metrics.bytesOut.updateUnsafe(bytes, this.context)
  }
  opened(): void {
    metrics.connectionsOpen.modifyUnsafe(1, this.context)
    metrics.connectionsTotal.updateUnsafe(1, this.context)
  }
  closedConnection(): void {
    metrics.connectionsOpen.modifyUnsafe(-1, this.context)
  }
  rejected(status: number): void {
    metrics.handshakeRejections.updateUnsafe(String(status), this.context)
  }
  dropped(count: number): void {
    metrics.droppedMessages.updateUnsafe(count, this.context)
  }
  slowConsumerClosed(): void {
    metrics.slowConsumerCloses.updateUnsafe(1, this.context)
  }
  idleClosed(): void {
    metrics.idleCloses.updateUnsafe(1, this.context)
  }
  /** A message or Ping a connection's protocol cannot carry (binary on draft-76) was dropped. */
  unsendable(variant: string, kind: "message" | "ping"): void {
    metrics.unsendable.updateUnsafe(`${variant}:${kind}`, this.context)
  }
  /** Sets `wspipe_queue_depth{queue=…}` for the pipeline's three shared queues. */
  queueDepths(depths: { readonly receiver: number; readonly handler: number; readonly sender: number }): void {
    queueDepthOf.receiver.updateUnsafe(depths.receiver, this.context)
    queueDepthOf.handler.updateUnsafe(depths.handler, this.context)
    queueDepthOf.sender.updateUnsafe(depths.sender, this.context)
  }
}
