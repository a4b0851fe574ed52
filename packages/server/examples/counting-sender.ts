// packages/server/examples/counting-sender.ts
/**
 * Replacing an actor: a sender that counts the commands it routes, by kind, then hands them to
 * the default sender. The same shape wraps or replaces the receiver (`Pipeline.ReceiverActor`).
 */
import type { Command, Pipeline } from "@wspipe/server"
import { type RuntimeMessage, sender } from "@wspipe/server/internal"
import { Effect, Queue } from "effect"

export const countingSender =
  (counts: Map<string, number>): Pipeline.SenderActor =>
  (inbox, options, recorder, node) =>
    Effect.scoped(
      Effect.gen(function* () {
        const inner = yield* Queue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(4096)
        yield* Effect.forkScoped(sender(inner, options, recorder, node))
        while (true) {
          const batch = yield* Queue.takeAll(inbox)
          for (const command of batch) counts.set(command._tag, (counts.get(command._tag) ?? 0) + 1)
          yield* Queue.offerAll(inner, batch)
        }
      })
    )
