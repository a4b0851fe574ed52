/**
 * Metrics through Effect's `Metric` (issue: open connections, messages and bytes in/out,
 * handshake rejections by status, close codes, queue depths). Actors count in plain variables and
 * report once per batch, so metrics cost nothing per message.
 */
import { type Context, Metric } from "effect"
import type * as Event from "./event.js"

/** The server's metrics. Read them with `Metric.value` or `Metric.snapshot`. */
export const metrics = {
  connectionsOpen: Metric.gauge("wspipe_connections_open", { description: "Connections in the pipeline" }),
  connectionsTotal: Metric.counter("wspipe_connections_total", { description: "Connections accepted" }),
  messagesIn: Metric.counter("wspipe_messages_in", { description: "Data messages received" }),
  messagesOut: Metric.counter("wspipe_messages_out", { description: "Frames handed to socket senders" }),
  bytesIn: Metric.counter("wspipe_bytes_in", { description: "Bytes read from sockets after the handshake" }),
  bytesOut: Metric.counter("wspipe_bytes_out", { description: "Bytes handed to socket senders" }),
  handshakeRejections: Metric.frequency("wspipe_handshake_rejections", { description: "Rejected handshakes by HTTP status" }),
  closeCodes: Metric.frequency("wspipe_close_codes", { description: "Close codes of ended connections" }),
  droppedMessages: Metric.counter("wspipe_dropped_messages", { description: "Messages dropped for slow consumers" }),
  slowConsumerCloses: Metric.counter("wspipe_slow_consumer_closes", { description: "Connections closed (1008) for not reading" }),
  handlerRestarts: Metric.counter("wspipe_handler_restarts", { description: "Handler fiber restarts by the supervisor" }),
  callbackFailures: Metric.counter("wspipe_callback_failures", { description: "Handler callbacks that failed (1011)" }),
  queueDepth: Metric.gauge("wspipe_queue_depth", { description: "Items waiting in a pipeline queue" })
} as const

const queueDepthOf = {
  receiver: Metric.withAttributes(metrics.queueDepth, { queue: "receiver" }),
  handler: Metric.withAttributes(metrics.queueDepth, { queue: "handler" }),
  sender: Metric.withAttributes(metrics.queueDepth, { queue: "sender" })
}

/** Per-batch metric updates for the actors (plain method calls; no Effect per message). */
export class Stats {
  constructor(private readonly context: Context.Context<never>) {}

  received(bytes: number, events: ReadonlyArray<Event.Event>): void {
    let messages = 0
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      if (e._tag === "Message") messages++
      else if (e._tag === "Closed") metrics.closeCodes.updateUnsafe(String(e.code), this.context)
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
  handlerRestarted(): void {
    metrics.handlerRestarts.updateUnsafe(1, this.context)
  }
  callbackFailed(): void {
    metrics.callbackFailures.updateUnsafe(1, this.context)
  }
  /** Sets `wspipe_queue_depth{queue=…}` for the pipeline's three shared queues. */
  queueDepths(depths: { readonly receiver: number; readonly handler: number; readonly sender: number }): void {
    queueDepthOf.receiver.updateUnsafe(depths.receiver, this.context)
    queueDepthOf.handler.updateUnsafe(depths.handler, this.context)
    queueDepthOf.sender.updateUnsafe(depths.sender, this.context)
  }
}
