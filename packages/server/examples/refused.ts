// packages/server/examples/refused.ts
/**
 * A stage before the handler has one output: the handler's inbox. When it decides a connection
 * must go, it says so with a `Refused` event, and the handler turns that into `Command.close`.
 */
import type { Connection } from "@wspipe/server"

export interface Refused {
  readonly _tag: "Refused"
  readonly conn: Connection
  /** A close code the handler can send as it is (RFC 6455 §7.4). */
  readonly code: number
  /** Under 123 bytes (RFC 6455 §5.5: a control frame carries at most 125). */
  readonly reason: string
}

export const Refused = (conn: Connection, code: number, reason: string): Refused => ({ _tag: "Refused", conn, code, reason })
