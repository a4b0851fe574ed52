/** Frame opcodes (RFC 6455 §5.2, §11.8). 3–7 and 0xB–0xF are reserved. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa
} as const

export type Opcode = (typeof Opcode)[keyof typeof Opcode]

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export const isControlOpcode = (opcode: number): boolean => (opcode & 0x8) !== 0

/** The kind of a complete data message. */
export type MessageKind = "text" | "binary"
