/**
 * A message prepared once and sent many times: the sender frames it at most once per wire
 * protocol and, on connections that agreed to permessage-deflate without server context
 * takeover, compresses it at most once per distinct compression parameters (RFC 7692 §7.1.1.1:
 * with no takeover each message is compressed on its own, so the same bytes are valid for every
 * such client). Those forms are kept in the prepared message and reused by every later command
 * that sends it, on any connection of the same server.
 *
 * A pre-framed `Frame` (`@wspipe/codec`) is the uncompressed counterpart: framed by you, sent as
 * it is everywhere. A `Prepared` message lets the server choose the form per recipient:
 * compressed (RSV1) where agreed, plain elsewhere, text frames for draft-hixie-76.
 *
 * Connections with server context takeover get it compressed in their own context, as any
 * message; across a node bus the other nodes receive its kind and bytes and prepare their own
 * forms per command.
 */
import type { Opcode } from "@wspipe/codec"

const utf8 = new TextEncoder()

/**
 * A message with its per-server forms (framed, compressed). Make one with {@link text} or
 * {@link binary} and send it in any command, as often as you like; treat `data` as immutable.
 */
export class Prepared {
  readonly _tag = "Prepared" as const
  /**
   * @internal The forms made by each server's sender, keyed by that sender (a server that stops
   * lets go of its forms).
   */
  readonly forms = new WeakMap<object, unknown>()

  constructor(
    readonly kind: Opcode.MessageKind,
    readonly data: Uint8Array
  ) {}
}

/**
 * A text message to send many times.
 *
 * @example
 * ```ts
 * import { Command, Prepared } from "@wspipe/server"
 *
 * const news = Prepared.text(JSON.stringify({ headline: "…", body: "…" }))
 * const commands = [Command.broadcastAll(news), Command.publish("news", news)] // compressed once for both
 * ```
 */
export const text = (message: string): Prepared => new Prepared("text", utf8.encode(message))

/**
 * A binary message to send many times (the bytes are shared, not copied).
 *
 * @example
 * ```ts
 * import { Prepared } from "@wspipe/server"
 *
 * const snapshot = Prepared.binary(new Uint8Array(16 * 1024))
 * ```
 */
export const binary = (message: Uint8Array): Prepared => new Prepared("binary", message)

/**
 * Whether `value` is a prepared message.
 *
 * @example
 * ```ts
 * import { Prepared } from "@wspipe/server"
 *
 * Prepared.isPrepared(Prepared.text("hi")) // true
 * ```
 */
export const isPrepared = (value: unknown): value is Prepared => value instanceof Prepared
