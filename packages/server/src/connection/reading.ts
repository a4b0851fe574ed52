/**
 * Per-connection inbound flow control: a handler (or a stage) can stop reading one connection's
 * socket while it catches up with that connection's messages; TCP then pushes back on that client
 * alone. The callback API does this by itself when a connection's async callbacks fall behind.
 *
 * This is one of the few paths that go against the diagram's direction (handler → socket
 * receiver), so it is a direct call on the connection's record, not a message: a pause must act
 * at once, and it carries no data (docs/design-decisions.md).
 */
import { type Connection, record } from "./connection.js"

/**
 * Stops reading from `conn`'s socket until `Reading.resume(conn)`. Messages already read are
 * still delivered. Unknown or closed connections are ignored.
 *
 * @example
 * ```ts
 * import { Reading, type Connection } from "@wspipe/server"
 *
 * const backlog = new Map<number, number>()
 * const onEvent = (conn: Connection) => {
 *   if ((backlog.get(conn.id) ?? 0) > 100) Reading.pause(conn)
 * }
 * ```
 */
export const pause = (conn: Connection): void => record(conn).reading?.pause()

/** Reads `conn`'s socket again. */
export const resume = (conn: Connection): void => record(conn).reading?.resume()
