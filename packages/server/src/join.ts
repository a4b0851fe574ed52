/**
 * A connection joins the pipeline after its handshake: the sender registers it (with its socket
 * sender's queue), the receiver announces it to the handler, and its socket receiver starts.
 * From then on the connection lives in its socket's events; when the socket closes it is gone.
 */
import type * as Net from "node:net"
import { Effect, Queue } from "effect"
import type { Connection } from "./connection.js"
import type { HandshakeRequest } from "./handshake.js"
import type { Watched } from "./idle.js"
import * as Control from "./control.js"
import type { Pipeline } from "./pipeline.js"
import * as Flow from "./flow.js"
import * as SocketInput from "./socket-input.js"
import { type RunFork, SocketReceiver } from "./socket-receiver.js"
import { SocketSender } from "./socket-sender.js"

/** Live connections of one server (for `maxConnections` and shutdown). */
export interface Live {
  readonly sockets: Set<Net.Socket>
}

/**
 * Joins one upgraded socket to the pipeline. `rest` are the bytes that came after the HTTP head
 * (the client may send its first frames at once, RFC 6455 §4.2.2 does not forbid it).
 *
 * Runs in the caller's tick while the sender's and receiver's queues have room; only when one is
 * full does a fiber wait to offer (the socket is not read until then, so TCP pushes back).
 */
export const join = (
  pipeline: Pipeline,
  live: Live,
  runFork: RunFork,
  conn: Connection,
  socket: Net.Socket,
  rest: Uint8Array,
  data: unknown,
  request: HandshakeRequest
): void => {
  const { options, stats } = pipeline
  const socketSender = new SocketSender(socket, options.outboundQueueCapacity, runFork, options.closeTimeoutMs)
  live.sockets.add(socket)
  stats.opened()
  let watched: Watched | undefined
  socket.once("close", () => {
    if (live.sockets.delete(socket)) stats.closedConnection()
    pipeline.idle.unwatch(watched)
  })
  // Register before Attach: the handler hears of the connection only after the sender knows it,
  // so its first command to the connection cannot arrive before the registration.
  const register = Control.Register(conn, socketSender)
  const attach = SocketInput.Attach(conn, rest, {
    maxFrameSize: options.maxFrameSize,
    maxMessageSize: options.maxMessageSize,
    allowedRsv: 0
  }, data, request)
  const startReading = () => {
    const socketReceiver = new SocketReceiver(conn, socket, pipeline.receiverInbox, runFork, options.maxInflightBytes)
    Flow.register(conn, socketReceiver)
    socketReceiver.start()
    // A socket that closed while joining waited is not watched (its close listener already ran).
    if (!socket.destroyed) watched = pipeline.idle.watch(conn, socketReceiver, socketSender)
  }
  // Built eagerly on purpose (a few objects, garbage at once): a closure here naming `attach`
  // would keep it — the request's headers and first bytes — in the context the close listener
  // holds for the connection's life (measured 2026-11-22: 7.3 → 9.0 KiB RSS per idle connection).
  const attachThenRead = Effect.andThen(Queue.offer(pipeline.receiverInbox, attach), Effect.sync(startReading))
  if (!Queue.offerUnsafe(pipeline.senderInbox, register)) {
    return runFork(Effect.andThen(Queue.offer(pipeline.senderInbox, register), attachThenRead))
  }
  if (!Queue.offerUnsafe(pipeline.receiverInbox, attach)) return runFork(attachThenRead)
  startReading()
}
