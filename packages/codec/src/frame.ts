/**
 * Pre-framed messages: a message encoded into its wire bytes ONCE (header + payload, possibly
 * several fragments, RFC 6455 §5.2/§5.4), then written as-is to any number of connections.
 * Server-to-client frames are unmasked (RFC 6455 §5.1), so the same bytes are valid for every
 * client — broadcasting a Frame costs one encode, not one per recipient.
 *
 * Imported as a namespace: `import { Frame } from "@wspipe/codec"`.
 *
 * @example
 * ```ts
 * import { Frame } from "@wspipe/codec"
 *
 * const news = Frame.text(JSON.stringify({ type: "news", body }))  // encoded once
 * for (const client of clients) client.socket.write(news.bytes)    // same bytes for everyone
 * ```
 *
 * The `bytes` of a Frame are shared by every send: treat them as immutable.
 *
 * @module
 */
import * as Encoder from "./encoder.js"
import type { MessageKind } from "./opcode.js"

/**
 * What a {@link Frame} carries: a data message (`text`/`binary`) or a control frame.
 *
 * @example
 * ```ts
 * const kind: Frame.Kind = Frame.ping().kind // "ping"
 * ```
 */
export type Kind = MessageKind | "ping" | "pong" | "close"

/**
 * A message already encoded to wire bytes (one or more frames, server role: unmasked).
 *
 * @example
 * ```ts
 * const f: Frame.Frame = Frame.binary(Uint8Array.of(1, 2, 3))
 * f.kind   // "binary"
 * f.bytes  // 82 03 01 02 03
 * ```
 */
export interface Frame {
  readonly _tag: "Frame"
  readonly kind: Kind
  /** The complete wire bytes, ready to write to a socket. Do not mutate. */
  readonly bytes: Uint8Array
}

/**
 * Options of data Frames.
 *
 * @example
 * ```ts
 * const options: Frame.Options = { fragmentSize: 16 * 1024 }
 * ```
 */
export interface Options {
  /**
   * Split the message into frames of at most this many payload bytes (RFC 6455 §5.4): first
   * frame with the opcode, continuations with opcode 0, FIN on the last. Default: one frame.
   */
  readonly fragmentSize?: number | undefined
}

const make = (kind: Kind, bytes: Uint8Array): Frame => ({ _tag: "Frame", kind, bytes })

/**
 * A text message (opcode 1, RFC 6455 §5.6), UTF-8 encoded once.
 *
 * @example
 * ```ts
 * Frame.text("Hello").bytes                         // 81 05 48 65 6c 6c 6f  (RFC 6455 §5.7)
 * Frame.text("Hello", { fragmentSize: 3 }).bytes    // 01 03 48 65 6c 80 02 6c 6f
 *
 * // broadcast: encode once, send many times
 * const frame = Frame.text("tick")
 * for (const socket of sockets) socket.write(frame.bytes)
 * ```
 */
export const text = (data: string, options?: Options): Frame => make("text", Encoder.message("text", data, options))

/**
 * A binary message (opcode 2, RFC 6455 §5.6). `data` is copied into the frame, so later changes
 * to `data` do not affect it.
 *
 * @example
 * ```ts
 * Frame.binary(Uint8Array.of(1, 2, 3)).bytes                       // 82 03 01 02 03
 * Frame.binary(new Uint8Array(100_000), { fragmentSize: 16_384 })  // 7 frames, one buffer
 * ```
 */
export const binary = (data: Uint8Array, options?: Options): Frame => make("binary", Encoder.message("binary", data, options))

/**
 * A ping (opcode 9, RFC 6455 §5.5.2). Precondition: ≤ 125 bytes (check user input with
 * `Encoder.checkControlPayload`).
 *
 * @example
 * ```ts
 * const heartbeat = Frame.ping()   // 89 00, shared by every connection's keep-alive timer
 * ```
 */
export const ping = (data?: Uint8Array): Frame => make("ping", Encoder.ping(data))

/**
 * A pong (opcode 10, RFC 6455 §5.5.3), e.g. an unsolicited heartbeat. Precondition: ≤ 125 bytes.
 *
 * @example
 * ```ts
 * Frame.pong(Buffer.from("Hello")).bytes   // 8a 05 48 65 6c 6c 6f  (RFC 6455 §5.7)
 * ```
 */
export const pong = (data?: Uint8Array): Frame => make("pong", Encoder.pong(data))

/**
 * A close frame (opcode 8, RFC 6455 §5.5.1): no code → empty payload, else 2-byte code + UTF-8
 * reason. Preconditions: wire-valid code (§7.4), reason ≤ 123 bytes (check with `Close.checkArgs`).
 *
 * @example
 * ```ts
 * const shutdown = Frame.close(1001, "server restarting")  // sent to every client on shutdown
 * Frame.close().bytes                                       // 88 00
 * ```
 */
export const close = (code?: number, reason?: string): Frame => make("close", Encoder.close(code, reason))

/**
 * Is `u` a {@link Frame}? Lets send APIs accept either raw data or a pre-framed message.
 *
 * @example
 * ```ts
 * const bytes = Frame.isFrame(msg) ? msg.bytes : Encoder.text(msg)
 * ```
 */
export const isFrame = (u: unknown): u is Frame =>
  typeof u === "object" &&
  u !== null &&
  (u as { _tag?: unknown })._tag === "Frame" &&
  (u as { bytes?: unknown }).bytes instanceof Uint8Array &&
  typeof (u as { kind?: unknown }).kind === "string"
