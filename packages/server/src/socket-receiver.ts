/**
 * The socket receiver (one per client): owns the read side of one socket. It pulls whatever the
 * socket has buffered and offers it to the receiver as one `Chunk`. While the receiver's queue is
 * full the offer waits, nothing is read, and TCP pushes back on the client (DESIGN §5, §6).
 */
import { Effect, Queue } from "effect"
import type { Connection } from "./connection.js"
import * as SocketInput from "./socket-input.js"
import type { SocketReader } from "./socket-reader.js"

/**
 * Runs until the socket ends or fails; the last thing it offers is always `Eof` or `SocketError`,
 * so the receiver learns of every connection's end exactly once.
 *
 * @example
 * ```ts
 * yield* socketReceiver(conn, new SocketReader(socket), receiverInbox)
 * ```
 */
export const socketReceiver = (
  conn: Connection,
  reader: SocketReader,
  receiver: Queue.Enqueue<SocketInput.SocketInput>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    while (true) {
      const result = yield* reader.read
      switch (result._tag) {
        case "Data":
          yield* Queue.offer(receiver, SocketInput.Chunk(conn, result.bytes))
          break
        case "End":
          yield* Queue.offer(receiver, SocketInput.Eof(conn))
          return
        case "Failure":
          yield* Queue.offer(receiver, SocketInput.SocketError(conn, result.cause))
          return
      }
    }
  })
