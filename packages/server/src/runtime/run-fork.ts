import type { Effect } from "effect"

/**
 * Starts an Effect as a new fiber at once, in the server's runtime (its scheduler and services):
 * how per-client actors and plain callbacks become fibers when they have to wait.
 */
export type RunFork = (effect: Effect.Effect<unknown>) => void
