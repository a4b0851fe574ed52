/**
 * Opcodes and RSV bits as they appear in the first frame byte (RFC 6455 §5.2). Any 4-bit value may
 * be sent as an opcode: 0x3–0x7 and 0xB–0xF are reserved, which is what abuse tests send.
 *
 * @module
 */

/**
 * The defined opcodes (RFC 6455 §5.2, §11.8).
 *
 * @example
 * ```ts
 * frame(Op.Ping, "are you there?")
 * ```
 */
export const Op = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa
} as const

/**
 * The RSV bits, already in place in the first byte (RFC 6455 §5.2): pass them as `rsv`.
 *
 * @example
 * ```ts
 * frame(Op.Text, "compressed?", { rsv: Rsv.Rsv1 }) // first byte 0xc1
 * ```
 */
export const Rsv = { Rsv1: 0x40, Rsv2: 0x20, Rsv3: 0x10 } as const
