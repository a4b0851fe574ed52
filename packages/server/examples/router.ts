// packages/server/examples/router.ts
/**
 * Several handlers on one server, chosen by request path: `Handler.byPath` gives each route its
 * own inbox and runs the route's handler (supervised) on it and the shared sender. Each
 * connection's events — and its ending, right behind them — go to its route, so every route's
 * replies still go out before the Close reply. Unknown paths are refused with 404 at the
 * handshake; a route's own handshake hook is asked otherwise.
 */
import { Handler } from "@wspipe/server"

export const byPath = (routes: Readonly<Record<string, Handler.Handler>>): Handler.Handler => Handler.byPath(routes)
