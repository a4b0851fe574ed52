/**
 * A connection enters the pipeline after its handshake: the sender registers it (with its socket
 * sender's queue), the receiver announces it to the handler, and its socket receiver starts.
 * From then on the connection lives in its socket's events; when the socket closes it is gone.
 */
import type * as Net from "node:net"
import { PermessageDeflate } from "@wspipe/codec"
import { Effect, Queue } from "effect"
import { SocketReceiver, type SocketReceiverShared } from "../actors/socket-receiver.js"
import * as Framing from "../actors/sender/framing.js"
import { SocketSender, type SocketSenderShared } from "../actors/socket-sender.js"
import * as RuntimeMessage from "../messages/runtime-message.js"
import * as SocketInput from "../messages/socket-input.js"
import type { Pipeline } from "../runtime/pipeline.js"
import type { RunFork } from "../runtime/run-fork.js"
import { type ConnectionRecord, record } from "./connection.js"
import type { HandshakeRequest } from "./handshake.js"

/** Live connections of one server (for `maxConnections` and shutdown). */
export interface Live {
  readonly sockets: Set<Net.Socket>
}

/**
 * Enters one upgraded socket into the pipeline. `rest` are the bytes that came after the HTTP
 * head (the client may send its first frames at once; RFC 6455 §4.2.2 does not forbid it).
 *
 * Runs in the caller's tick while the sender's and receiver's queues have room; only when one is
 * full does a fiber wait to offer (the socket is not read until then, so TCP pushes back).
 */
export const enter = (
  pipeline: Pipeline,
  live: Live,
  runFork: RunFork,
  conn: ConnectionRecord,
  socket: Net.Socket,
  rest: Uint8Array,
  data: unknown,
  request: HandshakeRequest,
  /** permessage-deflate's agreed parameters, when the connection compresses (RFC 7692). */
  deflate?: PermessageDeflate.Agreement
): void => {
  const { options, recorder } = pipeline
  const shared = sharedBy(pipeline, live, runFork)
  const socketSender = new SocketSender(socket, shared.sending)
  // Made now, before anything can wait, for its `close` listener: the connection's bookkeeping
  // (`closed` below) runs whenever the socket closes, while entering as well.
  const socketReceiver = new SocketReceiver(conn, socket, shared.receiving)
  live.sockets.add(socket)
  recorder.opened()
  // Register before Attach: the handler hears of the connection only after the sender knows it,
  // so its first command to the connection cannot arrive before the registration.
  const register = RuntimeMessage.Register(conn, socketSender, conn.variant === "hixie76" ? Framing.hixie76 : Framing.rfc6455, deflate)
  const attach = SocketInput.Attach(
    conn,
    rest,
    {
      variant: conn.variant,
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      // RSV1 belongs to permessage-deflate on a message's first frame (RFC 7692 §6).
      allowedRsv: deflate === undefined ? 0 : PermessageDeflate.RSV1,
      deflate
    },
    data,
    request
  )
  if (!Queue.offerUnsafe(pipeline.senderInbox, register)) {
    return runFork(Effect.andThen(Queue.offer(pipeline.senderInbox, register), attachThenRead(pipeline, attach, socketReceiver)))
  }
  if (!Queue.offerUnsafe(pipeline.receiverInbox, attach)) return runFork(attachThenRead(pipeline, attach, socketReceiver))
  startReading(pipeline, socketReceiver)
}

// Module functions, not closures in `enter`: a closure there would hold `enter`'s context —
// the request's headers and first bytes among it — for as long as anything kept the closure
// (measured 2026-11-22: 7.3 → 9.0 KiB RSS per idle connection with `attach` in it).
const attachThenRead = (pipeline: Pipeline, attach: SocketInput.Attach, socketReceiver: SocketReceiver): Effect.Effect<void> =>
  Effect.andThen(
    Queue.offer(pipeline.receiverInbox, attach),
    Effect.sync(() => startReading(pipeline, socketReceiver))
  )

const startReading = (pipeline: Pipeline, socketReceiver: SocketReceiver): void => {
  const { socket, conn } = socketReceiver
  if (!socket.destroyed) record(conn).reading = socketReceiver
  socketReceiver.start()
  // A socket that closed while entering waited is not watched (its close listener already ran).
  if (!socket.destroyed) pipeline.idle.watch(socketReceiver)
}

/** What a server's socket receivers and senders share, made at its first connection. */
interface Shared {
  readonly receiving: SocketReceiverShared
  readonly sending: SocketSenderShared
}
const sharedByServer = new WeakMap<Live, Shared>()
const sharedBy = (pipeline: Pipeline, live: Live, runFork: RunFork): Shared => {
  let found = sharedByServer.get(live)
  if (found === undefined) {
    const { options, recorder, idle } = pipeline
    found = {
      receiving: {
        receiver: pipeline.receiverInbox,
        runFork,
        maxInflightBytes: options.maxInflightBytes,
        closed: (socketReceiver) => {
          if (live.sockets.delete(socketReceiver.socket)) recorder.closedConnection()
          idle.unwatch(socketReceiver)
          record(socketReceiver.conn).reading = undefined
        }
      },
      sending: { capacity: options.outboundQueueCapacity, runFork, closeTimeoutMs: options.closeTimeoutMs }
    }
    sharedByServer.set(live, found)
  }
  return found
}
