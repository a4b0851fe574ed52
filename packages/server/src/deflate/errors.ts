/**
 * Typed failures of the deflate engine. Each carries the close code the connection must be failed
 * with (RFC 6455 §7.4.1), like the codec's `ProtocolError`.
 *
 * @module
 */

/**
 * Why a compressed message could not be delivered:
 * - `too-big` (1009): it inflates past the message limit, detected while inflating, so no more
 *   than the limit is ever held (RFC 6455 §10.4);
 * - `corrupt` (1007): the payload is not valid DEFLATE data. Framing was fine (RSV1 was
 *   negotiated, RFC 7692 §6); the payload is inconsistent with its negotiated encoding, which is
 *   what 1007 means ("data within a message that was not consistent with the type of the
 *   message"), as `ws` answers; 1002 is for framing violations;
 * - `utf8` (1007): a text message whose inflated bytes are not UTF-8 (RFC 6455 §8.1);
 * - `closed` (1011): the connection's inflater was closed while the message was pending.
 *
 * `inflated` is how many bytes had been produced when inflating stopped.
 *
 * @example
 * ```ts
 * const e = new InflateError("too-big", 1_048_577)
 * e.code // 1009
 * ```
 */
export class InflateError extends Error {
  readonly _tag = "InflateError" as const
  readonly code: 1007 | 1009 | 1011
  readonly reason: string
  constructor(
    readonly kind: "too-big" | "corrupt" | "utf8" | "closed",
    readonly inflated: number,
    detail = ""
  ) {
    const code = kind === "too-big" ? 1009 : kind === "closed" ? 1011 : 1007
    const reason =
      kind === "too-big"
        ? "message too big after inflating"
        : kind === "corrupt"
          ? `invalid compressed data${detail === "" ? "" : ": " + detail}`
          : kind === "utf8"
            ? "invalid UTF-8 in compressed text message"
            : "inflater closed"
    super(`${code}: ${reason}`)
    this.name = "InflateError"
    this.code = code
    this.reason = reason.slice(0, 123)
  }
}

/**
 * The marker returned instead of a result when the work goes to the slow path: the result comes
 * later through the callback given at construction, in the order of the calls.
 *
 * @example
 * ```ts
 * import { Pending, type MessageInflater } from "../src/deflate/index.js" // internal: not exported from the package root
 * declare const rx: MessageInflater
 * const r = rx.message("binary", new Uint8Array(16))
 * if (r !== Pending) {} // else the callback delivers it
 * ```
 */
export const Pending: unique symbol = Symbol.for("wspipe/deflate/Pending")
export type Pending = typeof Pending
