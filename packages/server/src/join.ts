/**
 * A connection joins the pipeline after its handshake: its socket receiver and socket sender are
 * started, the sender registers it, the receiver announces it. The socket receiver runs as the
 * connection's own fiber; the socket sender is forked beside it.
 */
import type * as Net from "node:net"
import { encodeClose } from "@wspipe/codec"
import { Effect, Fiber, Queue } from "effect"
import * as Command from "./command.js"
import type { Connection } from "./connection.js"
import * as Control from "./control.js"
import type { Outbound } from "./outbound.js"
import type { Pipeline } from "./pipeline.js"
import * as SocketInput from "./socket-input.js"
import type { SocketReader } from "./socket-reader.js"
import { socketReceiver } from "./socket-receiver.js"
import { socketSender } from "./socket-sender.js"

/** Live connections of one server (for `maxConnections` and shutdown). */
export interface Live {
  readonly sockets: Set<Net.Socket>
}

/**
 * Runs one connection until its socket is gone. `rest` are the bytes that came after the HTTP
 * head (the client's first frames, RFC 6455 §4.2.2 allows it to send them at once).
 */
export const join = (
  pipeline: Pipeline,
  live: Live,
  conn: Connection,
  socket: Net.Socket,
  reader: SocketReader,
  rest: Uint8Array,
  data: unknown
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { options, stats } = pipeline
    const out = yield* Queue.bounded<Outbound>(options.outboundQueueCapacity)
    let aborted = false
    const link: Control.SocketLink = {
      out,
      abort: (code, reason) => {
        if (aborted) return
        aborted = true
        Queue.shutdownUnsafe(out)
        if (!socket.destroyed && socket.writable) {
          socket.write(encodeClose(code, reason))
          socket.end()
        }
        setTimeout(() => socket.destroy(), options.closeTimeoutMs).unref()
      },
      destroy: () => socket.destroy()
    }
    live.sockets.add(socket)
    stats.opened()
    watchIdle(pipeline, conn, socket, reader, link)
    // Register before Attach: the handler hears of the connection only after the sender knows it,
    // so its first command to the connection cannot arrive before the registration.
    yield* Queue.offer(pipeline.senderInbox, Control.Register(conn, link))
    yield* Queue.offer(
      pipeline.receiverInbox,
      SocketInput.Attach(conn, rest, {
        maxFrameSize: options.maxFrameSize,
        maxMessageSize: options.maxMessageSize,
        allowedRsv: 0
      }, data)
    )
    const writer = yield* Effect.forkChild(socketSender(socket, out, options.closeTimeoutMs), { startImmediately: true })
    yield* socketReceiver(conn, reader, pipeline.receiverInbox)
    // Reading is over (FIN, reset or destroy). The writer still flushes the close reply and ends
    // TCP; give it a bounded time.
    yield* Fiber.await(writer).pipe(Effect.timeout(options.closeTimeoutMs), Effect.ignore)
  }).pipe(
    Effect.ensuring(Effect.sync(() => {
      reader.detach()
      socket.destroy()
      if (live.sockets.delete(socket)) pipeline.stats.closedConnection()
    }))
  )

/**
 * Idle timeout (DESIGN §6): after `idleTimeoutMs` without a byte from the peer, ping it; if
 * another `idleTimeoutMs` passes without a byte (no Pong), close it. Node's socket timeout fires
 * on inactivity; our own ping write counts as activity, which gives the second period.
 */
const watchIdle = (pipeline: Pipeline, conn: Connection, socket: Net.Socket, reader: SocketReader, link: Control.SocketLink): void => {
  const timeout = pipeline.options.idleTimeoutMs
  if (timeout === 0) return
  let seen = reader.bytesRead
  let pinged = false
  socket.setTimeout(timeout)
  socket.on("timeout", () => {
    if (reader.bytesRead !== seen) {
      seen = reader.bytesRead
      pinged = false
    }
    if (pinged) return link.abort(1001, "idle timeout: no answer to ping")
    pinged = true
    Queue.offerUnsafe(pipeline.senderInbox, Command.ping(conn))
  })
}
