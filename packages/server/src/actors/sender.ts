/**
 * The sender (one for all connections): owns the connection registry and the topics. It frames
 * each command's message once and routes the bytes — unicast, broadcast to all but the source,
 * broadcast to all, topics — carries out the close handshake, and hands each batch's frames to
 * the socket senders without waiting on any of them.
 *
 * It is the end of the handler's side of the pipeline: a connection's ending arrives here behind
 * the handler's replies (see `Inbox`), so carrying it out in inbox order is all ordering needs.
 *
 * - routing and topics: `sender/routing.ts`
 * - the close handshake and its timers: `sender/closing.ts`
 * - handing frames over, and the slow-consumer policy: `sender/slow-consumer.ts`
 */
import { Effect, Queue } from "effect"
import type * as Command from "../messages/command.js"
import type * as RuntimeMessage from "../messages/runtime-message.js"
import type { Recorder } from "../runtime/recorder.js"
import * as Closing from "./sender/closing.js"
import * as Routing from "./sender/routing.js"
import { flush } from "./sender/slow-consumer.js"
import { type SenderOptions, SenderState } from "./sender/state.js"
import type { BusLink } from "../bus/bus.js"
import type { DeflateEngine } from "../deflate/engine.js"

export type { SenderOptions, SlowConsumerPolicy } from "./sender/state.js"

/** A node alone (no bus). The id of a process's connections when no bus names the node. */
export const LOCAL = { id: "local", bus: undefined } as const

/**
 * Runs the sender.
 *
 * @example
 * ```ts
 * import { Effect, Queue } from "effect"
 * import { sender, type RuntimeMessage } from "@wspipe/server/internal"
 * import type { Command } from "@wspipe/server"
 *
 * const program = Effect.gen(function*() {
 *   const inbox = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(4096)
 *   yield* Effect.forkScoped(sender(inbox, {
 *     fragmentSize: undefined, closeTimeoutMs: 5000, slowConsumer: "close",
 *     outboundBufferLimit: 4 * 1024 * 1024, outboundQueueCapacity: 16384
 *   }))
 * })
 * ```
 */
export const sender = (
  inbox: Queue.Dequeue<Command.Command | RuntimeMessage.RuntimeMessage>,
  options: SenderOptions,
  recorder?: Recorder,
  node: { readonly id: string; readonly bus: BusLink | undefined; readonly deflate?: DeflateEngine | undefined } = LOCAL
): Effect.Effect<never> => {
  // Outside the fiber body: a supervisor restart keeps the registry and the topics.
  const state = new SenderState(options, recorder, node.id, node.bus, node.deflate)
  // A sliced compression finishes outside the loop, between batches: hand its frames over then.
  state.flushLater = () => flush(state)

  const command = (message: Command.Command, remote: boolean): void =>
    message._tag === "Close" ? Closing.close(state, message, remote) : Routing.route(state, message, remote)

  const dispatch = (message: Command.Command | RuntimeMessage.RuntimeMessage): void => {
    switch (message._tag) {
      case "Register":
        return state.register(message.conn, message.link, message.framing, message.deflate)
      case "Pong":
        return Routing.pong(state, message.to, message.data)
      case "Remote":
        return command(message.command, true)
      case "PeerClose":
      case "Fail":
      case "Gone":
        return Closing.end(state, message)
      case "CloseAll":
        return Closing.closeAll(state, message.code, message.reason)
      case "IdlePing":
        return Routing.idlePing(state, message.to)
      case "IdleTimeout": {
        const entry = state.registry.get(message.to.id)
        if (entry === undefined) return
        recorder?.idleClosed()
        return Closing.abort(state, entry, { origin: "idle", code: 1001, reason: "idle timeout: no answer to ping" })
      }
      default:
        return command(message, false)
    }
  }

  return Effect.gen(function* () {
    while (true) {
      const batch = yield* Queue.takeAll(inbox)
      for (let i = 0; i < batch.length; i++) dispatch(batch[i]!)
      flush(state)
    }
  })
}
