// packages/server/examples/callbacks-lobby.ts
/**
 * Handles used outside the callbacks. Each connection keeps its handle (`Callbacks.current`) in a
 * shared set. "all <text>" frames one message once and posts the same bytes to every handle;
 * "later <text>" answers from a plain `setTimeout` through `handle.post`. Text arrives as a
 * string, binary as bytes; binary is answered with its size.
 */
import { Frame } from "@wspipe/codec"
import { Callbacks } from "@wspipe/server"
import { Effect } from "effect"

interface State {
  readonly handle: Callbacks.ConnectionHandle | undefined
}

export const makeLobby = () => {
  // Shared by all connections; created outside the handler, so it survives restarts.
  const everyone = new Set<Callbacks.ConnectionHandle>()

  return Callbacks.make<State>({
    init: () => ({ handle: undefined }),

    open: () =>
      Effect.gen(function* () {
        const handle = yield* Callbacks.current
        everyone.add(handle)
        yield* Callbacks.write(`welcome #${handle.conn.id}, ${everyone.size} here`)
        return { handle }
      }),

    message: (data, state) => {
      if (typeof data !== "string") return Effect.as(Callbacks.write(`${data.byteLength} bytes`), state)
      const text = data
      if (text.startsWith("all ")) {
        const frame = Frame.text(text.slice(4)) // framed once, sent as-is to everyone
        for (const handle of everyone) handle.post(frame)
        return state
      }
      if (text.startsWith("later ") && state.handle !== undefined) {
        const handle = state.handle
        setTimeout(() => handle.post(text.slice(6)), 20) // plain callback: no Effect needed
        return state
      }
      return Effect.as(Callbacks.write(`? ${text}`), state)
    },

    closed: (_reason, state) => {
      if (state.handle !== undefined) everyone.delete(state.handle)
    }
  })
}
