/**
 * Per-connection inbound flow control: a handler (or a stage) can stop reading one connection's
 * socket while it catches up with that connection's messages; TCP then pushes back on that client
 * alone (DESIGN §6). The callback API does this by itself when a connection's async callbacks
 * fall behind.
 */
import type { Connection } from "./connection.js"

/** What a connection's reading can be asked to do. */
export interface Reading {
  readonly pause: () => void
  readonly resume: () => void
}

const readings = new WeakMap<Connection, Reading>()

/** @internal The runtime registers each connection's socket receiver here. */
export const register = (conn: Connection, reading: Reading): void => {
  readings.set(conn, reading)
}

/**
 * Stops reading from `conn`'s socket until `resumeReading(conn)`. Messages already read are still
 * delivered. Unknown or closed connections are ignored.
 *
 * @example
 * ```ts
 * if (backlog.get(conn.id)! > 100) Flow.pauseReading(conn)
 * ```
 */
export const pauseReading = (conn: Connection): void => readings.get(conn)?.pause()

/** Reads `conn`'s socket again. */
export const resumeReading = (conn: Connection): void => readings.get(conn)?.resume()
