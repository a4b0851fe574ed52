// packages/server/examples/callbacks-counter.ts
/**
 * The callback API: per-connection state, a handshake that rejects, `open`, `message` and
 * `closed`. Clients connect to `/count` with an `X-User` header; each message is answered with
 * how many that connection has sent; "bye" closes with the application code 4000.
 */
import { Callbacks, Handshake } from "@wspipe/server"
import { Effect } from "effect"

interface State {
  readonly user: string
  readonly count: number
}

/** `log` collects one line per ended connection (a stand-in for a database). */
export const makeCounter = (log: Array<string>) =>
  Callbacks.make<State>({
    init: () => ({ user: "", count: 0 }),

    // Before the 101: a rejected client never joins the pipeline. Header names are lowercase.
    handshake: (path, headers, state) => {
      if (path !== "/count") return Handshake.reject(404, "try /count")
      const user = headers["x-user"]
      if (user === undefined) return Handshake.reject(401, "send an X-User header")
      return Callbacks.accept({ ...state, user })
    },

    open: (state) => Effect.as(Callbacks.write(`hello ${state.user}`), state),

    // Text arrives as a string, binary as bytes; a third parameter, `kind`, says which. The
    // parameter types are inferred from `State`.
    message: (data, state) => {
      if (data === "bye") return Effect.as(Callbacks.close(4000, "bye"), state)
      const count = state.count + 1
      return Effect.as(Callbacks.write(String(count)), { ...state, count })
    },

    // The connection has ended: record it, send nothing (see "closed" in docs/callbacks.md).
    closed: (reason, state) => {
      log.push(`${state.user} sent ${state.count}, closed with ${reason.code}`)
    }
  })
