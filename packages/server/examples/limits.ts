// packages/server/examples/limits.ts
/**
 * A server with tight limits, to see each one act: messages over 1 KiB are refused with 1009,
 * a third client gets 503, only `/ws` is served (404 elsewhere), silent clients are pinged after
 * 300 ms, and a client that stops reading is closed with 1008 once 64 frames wait for it.
 */
import type { Server } from "@wspipe/server"

export const tight: Server.ServerOptions = {
  path: "/ws",
  maxFrameSize: 1024,
  maxMessageSize: 1024,
  maxConnections: 2,
  idleTimeoutMs: 300,
  outboundQueueCapacity: 64,
  slowConsumer: "close"
}
