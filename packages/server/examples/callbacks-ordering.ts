// packages/server/examples/callbacks-ordering.ts
/**
 * Ordering and failures in the callback API.
 * - "slow": the callback sleeps 200 ms before answering. Later messages of the same connection
 *   wait for it; other connections are answered at once.
 * - "boom": the callback throws. Only this connection is closed, with 1011.
 * - "close <code>": closes with that code; a code RFC 6455 does not allow on the wire (999,
 *   1005…) is a typed `CloseArgsError`, which the callback catches and reports.
 * Everything else is echoed.
 */
import { Callbacks } from "@wspipe/server"
import { Effect } from "effect"

export const ordering = Callbacks.make<number>({
  init: () => 0,
  message: (data, seen) => {
    if (typeof data !== "string") return seen
    if (data === "slow") {
      return Effect.gen(function* () {
        yield* Effect.sleep(200)
        yield* Callbacks.write("slow done")
        return seen + 1
      })
    }
    if (data === "boom") throw new Error("a bug in a callback")
    if (data.startsWith("close ")) {
      return Callbacks.close(Number(data.slice(6)), "asked to").pipe(
        Effect.catchTag("CloseArgsError", (e) => Callbacks.write(`refused: ${e.message}`)),
        Effect.as(seen + 1)
      )
    }
    return Effect.as(Callbacks.write(data), seen + 1)
  }
})
