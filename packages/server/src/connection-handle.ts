/**
 * A handle on one connection that any fiber (or plain callback) can use to send to it. Inside
 * callbacks it is the "current connection" (`Callbacks.write`, `Callbacks.close`, …).
 */
import { Context, Data, Effect, Queue } from "effect"
import * as Command from "./command.js"
import type { Connection } from "./connection.js"

/** `close(code, reason)` got a code outside 3000–4999 or a reason of 123 bytes or more. */
export class CloseArgsError extends Data.TaggedError("CloseArgsError")<{ readonly code: number; readonly reason: string; readonly message: string }> {}

/** Sends to one connection. */
export interface ConnectionHandle {
  readonly conn: Connection
  /** Sends a message (string → text, bytes → binary, `Frame` → as framed). */
  readonly write: (message: Command.Outgoing) => Effect.Effect<void>
  /** Sends a Ping (RFC 6455 §5.5.2). */
  readonly ping: (data?: Uint8Array) => Effect.Effect<void>
  /**
   * Starts the closing handshake: `close()` sends 1000; `close(code, reason)` takes an
   * application code 3000–4999 and a reason under 123 bytes (RFC 6455 §5.5: 125 minus the code).
   */
  readonly close: (code?: number, reason?: string) => Effect.Effect<void, CloseArgsError>
  /** Sends without Effect, from a plain callback; keeps order, never blocks. */
  readonly post: (message: Command.Outgoing) => void
}

/** The connection a callback is running for. */
export class CurrentConnection extends Context.Service<CurrentConnection, ConnectionHandle>()("@wspipe/server/CurrentConnection") {}

const encoder = new TextEncoder()

/** Checks the arguments of a user-initiated close. */
export const checkClose = (code: number | undefined, reason: string | undefined): CloseArgsError | undefined => {
  if (code === undefined) return reason === undefined || reason === "" ? undefined : new CloseArgsError({ code: 1000, reason, message: "a reason needs a code" })
  if (!Number.isInteger(code) || code < 3000 || code > 4999) {
    return new CloseArgsError({ code, reason: reason ?? "", message: `close code must be 3000–4999, got ${code}` })
  }
  const bytes = encoder.encode(reason ?? "").byteLength
  if (bytes >= 123) return new CloseArgsError({ code, reason: reason ?? "", message: `close reason must be under 123 bytes, got ${bytes}` })
  return undefined
}

/**
 * Makes a handle that offers to the sender's inbox.
 *
 * @example
 * ```ts
 * const handle = makeHandle(conn, senderInbox)
 * setTimeout(() => handle.post("tick"), 1000)
 * ```
 */
export const makeHandle = (conn: Connection, sender: Queue.Enqueue<Command.Command>): ConnectionHandle => {
  const offer = (command: Command.Command) => Queue.offer(sender, command).pipe(Effect.asVoid)
  return {
    conn,
    write: (message) => offer(Command.unicast(conn, message)),
    ping: (data) => offer(Command.ping(conn, data)),
    close: (code, reason) => {
      const error = checkClose(code, reason)
      return error !== undefined ? Effect.fail(error) : offer(Command.close(conn, code ?? 1000, reason ?? ""))
    },
    post: (message) => postCommand(sender, Command.unicast(conn, message))
  }
}

/**
 * Offers without waiting when there is room (the common case, synchronous); otherwise starts a
 * waiting offer, which the queue completes in order.
 */
export const postCommand = (sender: Queue.Enqueue<Command.Command>, command: Command.Command): void => {
  if (!Queue.offerUnsafe(sender, command)) Effect.runFork(Queue.offer(sender, command))
}

/** Sends to the current connection (inside a callback). */
export const write = (message: Command.Outgoing): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.write(message))
/** Pings the current connection. */
export const ping = (data?: Uint8Array): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.ping(data))
/** Closes the current connection: `close()` or `close(code 3000–4999, reason < 123 bytes)`. */
export const close = (code?: number, reason?: string): Effect.Effect<void, CloseArgsError, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.close(code, reason))
/** The current connection's handle (to keep and use from other fibers). */
export const current: Effect.Effect<ConnectionHandle, never, CurrentConnection> = Effect.service(CurrentConnection)
