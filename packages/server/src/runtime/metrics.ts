/**
 * Metrics through Effect's `Metric`: open connections, messages and bytes in/out, handshake
 * rejections by status, close codes, slow consumers, restarts, queue depths. Actors count in plain
 * variables and report once per batch (`recorder.ts`), so metrics cost nothing per message.
 */
import { Metric } from "effect"

/**
 * The server's metrics. Read them with `Metric.value` or `Metric.snapshot`.
 *
 * @example
 * ```ts
 * import { Metrics } from "@wspipe/server"
 * import { Effect, Metric } from "effect"
 *
 * const open = Effect.map(Metric.value(Metrics.metrics.connectionsOpen), (state) => state.value)
 * ```
 */
export const metrics = {
  connectionsOpen: Metric.gauge("wspipe_connections_open", { description: "Connections in the pipeline" }),
  connectionsTotal: Metric.counter("wspipe_connections_total", { description: "Connections accepted" }),
  messagesIn: Metric.counter("wspipe_messages_in", { description: "Data messages received" }),
  messagesOut: Metric.counter("wspipe_messages_out", { description: "Frames handed to socket senders" }),
  bytesIn: Metric.counter("wspipe_bytes_in", { description: "Bytes read from sockets after the handshake" }),
  bytesOut: Metric.counter("wspipe_bytes_out", { description: "Bytes handed to socket senders" }),
  handshakeRejections: Metric.frequency("wspipe_handshake_rejections", { description: "Rejected handshakes by HTTP status" }),
  closeCodes: Metric.frequency("wspipe_close_codes", { description: "Close codes of ended connections" }),
  closeOrigins: Metric.frequency("wspipe_close_origins", {
    description: "Who ended connections (peer, protocol, server, idle, shutdown, transport)"
  }),
  droppedMessages: Metric.counter("wspipe_dropped_messages", { description: "Messages dropped for slow consumers" }),
  slowConsumerCloses: Metric.counter("wspipe_slow_consumer_closes", { description: "Connections closed (1008) for not reading" }),
  idleCloses: Metric.counter("wspipe_idle_closes", { description: "Connections closed (1001) for not answering the idle ping" }),
  handlerRestarts: Metric.counter("wspipe_handler_restarts", { description: "Handler fiber restarts by the supervisor" }),
  actorRestarts: Metric.counter("wspipe_actor_restarts", { description: "Restarts by the supervisor, by role and actor" }),
  unsendable: Metric.frequency("wspipe_unsendable", {
    description:
      "Messages and Pings dropped because the connection's protocol cannot carry them, by protocol:kind (binary or Ping on draft-76)"
  }),
  callbackFailures: Metric.counter("wspipe_callback_failures", { description: "Handler callbacks that failed" }),
  queueDepth: Metric.gauge("wspipe_queue_depth", { description: "Items waiting in a pipeline queue (receiver, handler, sender, bus)" }),
  busPublished: Metric.counter("wspipe_bus_published", { description: "Messages this node published on the bus" }),
  busReceived: Metric.counter("wspipe_bus_received", { description: "Messages from other nodes received from the bus" }),
  busDropped: Metric.counter("wspipe_bus_dropped", {
    description: "Bus messages lost, by reason (queue-full, transport, sender-full, undecodable, unencodable)"
  }),
  busReconnects: Metric.gauge("wspipe_bus_reconnects", { description: "Times the bus's engine connection came back up" }),
  busTopics: Metric.gauge("wspipe_bus_topics", { description: "Topic channels this node is subscribed to (topics with local members)" }),
  busUp: Metric.gauge("wspipe_bus_up", { description: "1 while the bus's engine is reachable, 0 while it is down" }),
  deflateInflated: Metric.counter("wspipe_deflate_inflated_messages", {
    description: "Compressed messages received and inflated (permessage-deflate)"
  }),
  deflateCompressed: Metric.counter("wspipe_deflate_compressed_messages", {
    description: "Messages compressed for sending (a shared compression counts once)"
  }),
  deflateSliced: Metric.counter("wspipe_deflate_sliced_messages", {
    description: "Messages inflated or compressed in slices over several event-loop turns (big ones)"
  }),
  deflateShared: Metric.counter("wspipe_deflate_shared_compressions", {
    description: "Compressions made once for many recipients (broadcasts, topics, Prepared messages)"
  }),
  deflateReceivedCompressed: Metric.counter("wspipe_deflate_received_compressed_bytes", {
    description: "Payload bytes of compressed messages received"
  }),
  deflateReceivedInflated: Metric.counter("wspipe_deflate_received_inflated_bytes", { description: "What those messages inflated to" }),
  deflateSentUncompressed: Metric.counter("wspipe_deflate_sent_uncompressed_bytes", {
    description: "Payload bytes of messages before compression"
  }),
  deflateSentCompressed: Metric.counter("wspipe_deflate_sent_compressed_bytes", { description: "What they compressed to" }),
  deflateJobsRunning: Metric.gauge("wspipe_deflate_jobs_running", {
    description: "Big inflate or deflate jobs holding a zlib context now"
  }),
  deflateJobsQueued: Metric.gauge("wspipe_deflate_jobs_queued", { description: "Big jobs waiting for a slot (maxConcurrentJobs)" })
} as const
