/**
 * A connection joins the pipeline after its handshake: the sender registers it (with its socket
 * sender's queue), the receiver announces it to the handler, and its socket receiver starts.
 * From then on the connection lives in its socket's events; when the socket closes it is gone.
 */
import type * as Net from "node:net"
import { Effect, Queue } from "effect"
import * as Command from "./command.js"
import type { Connection } from "./connection.js"
import type { HandshakeRequest } from "./handshake.js"
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
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { options, stats } = pipeline
    const socketSender = new SocketSender(socket, options.outboundQueueCapacity, runFork, options.closeTimeoutMs)
    live.sockets.add(socket)
    stats.opened()
    socket.once("close", () => {
      if (live.sockets.delete(socket)) stats.closedConnection()
    })
    // Register before Attach: the handler hears of the connection only after the sender knows it,
    // so its first command to the connection cannot arrive before the registration.
    yield* Queue.offer(pipeline.senderInbox, Control.Register(conn, socketSender))
    yield* Queue.offer(pipeline.receiverInbox, SocketInput.Attach(conn, rest, {
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      allowedRsv: 0
    }, data, request))
    const socketReceiver = new SocketReceiver(conn, socket, pipeline.receiverInbox, runFork, options.maxInflightBytes)
    Flow.register(conn, socketReceiver)
    socketReceiver.start()
    watchIdle(pipeline, conn, socket, socketReceiver, socketSender)
  })

/**
 * Idle timeout (DESIGN §6): after `idleTimeoutMs` without traffic, ping the peer; if another
 * `idleTimeoutMs` passes without a byte from it (no Pong), close it. Node's socket timeout fires
 * on inactivity; our own ping write counts as activity, which gives the second period.
 */
const watchIdle = (pipeline: Pipeline, conn: Connection, socket: Net.Socket, receiver: SocketReceiver, link: Control.SocketLink): void => {
  const timeout = pipeline.options.idleTimeoutMs
  if (timeout === 0) return
  let seen = receiver.bytesRead
  let pinged = false
  socket.setTimeout(timeout)
  socket.on("timeout", () => {
    if (receiver.bytesRead !== seen) {
      seen = receiver.bytesRead
      pinged = false
    }
    if (pinged) return link.abort(1001, "idle timeout: no answer to ping")
    pinged = true
    Queue.offerUnsafe(pipeline.senderInbox, Command.ping(conn))
  })
}
