/**
 * Frame opcodes (RFC 6455 §5.2, §11.8). 3–7 and 0xB–0xF are reserved. Imported as a namespace:
 * `Opcode.Text`, `Opcode.isControl(op)`.
 *
 * @example
 * ```ts
 * import { Opcode } from "@wspipe/codec"
 *
 * const op: Opcode.Opcode = Opcode.Text // 0x1
 * Opcode.isControl(Opcode.Ping)         // true
 * ```
 *
 * @module
 */

/** Continues a fragmented message (§5.4). */
export const Continuation = 0x0
/** A text message, UTF-8 (§5.6). */
export const Text = 0x1
/** A binary message (§5.6). */
export const Binary = 0x2
/** Close (§5.5.1). */
export const Close = 0x8
/** Ping (§5.5.2). */
export const Ping = 0x9
/** Pong (§5.5.3). */
export const Pong = 0xa

/**
 * A defined opcode.
 *
 * @example
 * ```ts
 * const op: Opcode.Opcode = Opcode.Binary
 * ```
 */
export type Opcode = typeof Continuation | typeof Text | typeof Binary | typeof Close | typeof Ping | typeof Pong

/**
 * Control frames have the high bit of the opcode set (RFC 6455 §5.5).
 *
 * @example
 * ```ts
 * Opcode.isControl(Opcode.Close) // true
 * Opcode.isControl(Opcode.Text)  // false
 * ```
 */
export const isControl = (opcode: number): boolean => (opcode & 0x8) !== 0

/**
 * The kind of a complete data message.
 *
 * @example
 * ```ts
 * const kind: Opcode.MessageKind = "text"
 * ```
 */
export type MessageKind = "text" | "binary"
