/**
 * A handle on one connection that any fiber (or plain callback) can use to send to it, or to send
 * on its behalf (topics, broadcasts). Inside callbacks it is the "current connection"
 * (`Callbacks.write`, `Callbacks.close`, `Callbacks.publish`, …).
 */
import { Close } from "@wspipe/codec"
import { Context, Data, Effect, Queue } from "effect"
import type { Connection } from "../connection/connection.js"
import * as Command from "../messages/command.js"
import type { RunFork } from "../runtime/run-fork.js"

/** `close(code, reason)` got a pair RFC 6455 does not allow on the wire (§7.4, §5.5). */
export class CloseArgsError extends Data.TaggedError("CloseArgsError")<{
  readonly code: number
  readonly reason: string
  readonly message: string
}> {}

/** Sends to one connection, and on its behalf. */
export interface ConnectionHandle {
  readonly conn: Connection
  /** Sends a message (string → text, bytes → binary, `Frame` → as framed). */
  readonly write: (message: Command.Outgoing) => Effect.Effect<void>
  /** Sends a Ping (RFC 6455 §5.5.2); at most 125 bytes. */
  readonly ping: (data?: Uint8Array) => Effect.Effect<void>
  /**
   * Starts the closing handshake: `close()` sends 1000; `close(code, reason)` takes any code a
   * server may send — 1000, 1001–1003, 1007–1014, 3000–4999 — and a reason of at most 123 bytes
   * (RFC 6455 §7.4, §5.5: 125 minus the code), as the codec's `checkCloseArgs` decides.
   */
  readonly close: (code?: number, reason?: string) => Effect.Effect<void, CloseArgsError>
  /** Joins a topic. */
  readonly subscribe: (topic: string) => Effect.Effect<void>
  /** Leaves a topic. */
  readonly unsubscribe: (topic: string) => Effect.Effect<void>
  /** Sends to every member of `topic`; to this connection too unless `exceptSelf`. */
  readonly publish: (topic: string, message: Command.Outgoing, options?: { readonly exceptSelf?: boolean }) => Effect.Effect<void>
  /** Sends to every connection but this one (the Erlang original's broadcast). */
  readonly broadcast: (message: Command.Outgoing) => Effect.Effect<void>
  /** Sends to every connection, this one included. */
  readonly broadcastAll: (message: Command.Outgoing) => Effect.Effect<void>
  /** Sends without Effect, from a plain callback; keeps order, never blocks. */
  readonly post: (message: Command.Outgoing) => void
}

/** The connection a callback is running for. */
export class CurrentConnection extends Context.Service<CurrentConnection, ConnectionHandle>()("@wspipe/server/CurrentConnection") {}

/** Checks the arguments of a user-initiated close with the codec's rule. */
export const checkClose = (code: number | undefined, reason: string | undefined): CloseArgsError | undefined => {
  if (code === undefined) {
    return reason === undefined || reason === "" ? undefined : new CloseArgsError({ code: 1000, reason, message: "a reason needs a code" })
  }
  const error = Close.checkArgs(code, reason ?? "")
  return error === undefined ? undefined : new CloseArgsError({ code, reason: reason ?? "", message: error.reason })
}

/**
 * Makes a handle that offers to the sender's inbox; `runFork` (the server's runtime) waits for
 * room when a plain `post` finds the inbox full.
 *
 * @example
 * ```ts
 * import { Effect, type Queue } from "effect"
 * import type { Command, Connection } from "@wspipe/server"
 * import { makeHandle } from "@wspipe/server/internal"
 *
 * declare const conn: Connection, senderInbox: Queue.Enqueue<Command.Command>
 * const handle = makeHandle(conn, senderInbox, (effect) => void Effect.runFork(effect))
 * setTimeout(() => handle.post("tick"), 1000)
 * ```
 */
export const makeHandle = (conn: Connection, sender: Queue.Enqueue<Command.Command>, runFork: RunFork): ConnectionHandle => {
  const offer = (command: Command.Command) => Queue.offer(sender, command).pipe(Effect.asVoid)
  return {
    conn,
    write: (message) => offer(Command.unicast(conn, message)),
    ping: (data) => offer(Command.ping(conn, data)),
    close: (code, reason) => {
      const error = checkClose(code, reason)
      return error !== undefined ? Effect.fail(error) : offer(Command.close(conn, code ?? 1000, reason ?? ""))
    },
    subscribe: (topic) => offer(Command.subscribe(conn, topic)),
    unsubscribe: (topic) => offer(Command.unsubscribe(conn, topic)),
    publish: (topic, message, options) => offer(Command.publish(topic, message, options?.exceptSelf === true ? conn : undefined)),
    broadcast: (message) => offer(Command.broadcast(conn, message)),
    broadcastAll: (message) => offer(Command.broadcastAll(message)),
    post: (message) => postCommand(sender, Command.unicast(conn, message), runFork)
  }
}

/**
 * Offers without waiting when there is room (the common case, synchronous); otherwise starts a
 * waiting offer in the server's runtime, which the queue completes in order.
 */
export const postCommand = <A>(sender: Queue.Enqueue<A>, command: A, runFork: RunFork): void => {
  if (!Queue.offerUnsafe(sender, command)) runFork(Queue.offer(sender, command))
}

/** Sends to the current connection (inside a callback). */
export const write = (message: Command.Outgoing): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.write(message))
/** Pings the current connection. */
export const ping = (data?: Uint8Array): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.ping(data))
/** Closes the current connection: `close()` (1000) or `close(code, reason)` (see {@link ConnectionHandle.close}). */
export const close = (code?: number, reason?: string): Effect.Effect<void, CloseArgsError, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.close(code, reason))
/** The current connection joins `topic`. */
export const subscribe = (topic: string): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.subscribe(topic))
/** The current connection leaves `topic`. */
export const unsubscribe = (topic: string): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.unsubscribe(topic))
/** Sends to every member of `topic` (the current connection too, unless `exceptSelf`). */
export const publish = (
  topic: string,
  message: Command.Outgoing,
  options?: { readonly exceptSelf?: boolean }
): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.publish(topic, message, options))
/** Sends to every connection but the current one. */
export const broadcast = (message: Command.Outgoing): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.broadcast(message))
/** Sends to every connection. */
export const broadcastAll = (message: Command.Outgoing): Effect.Effect<void, never, CurrentConnection> =>
  Effect.flatMap(Effect.service(CurrentConnection), (h) => h.broadcastAll(message))
/** The current connection's handle (to keep and use from other fibers). */
export const current: Effect.Effect<ConnectionHandle, never, CurrentConnection> = Effect.service(CurrentConnection)
