/**
 * The frame helpers of the actor tests, now a thin layer over `@wspipe/test-frames` (an
 * implementation of RFC 6455 independent of the codec under test), keeping the names and shapes
 * these tests were written with: `frame` masks with the RFC's example key unless given
 * `mask: undefined`, and every result is a plain Uint8Array (deep equality, copies on `slice`).
 *
 */
import * as TestFrames from "@wspipe/test-frames"

export const MASK = TestFrames.MASK

export const Op = { ...TestFrames.Op, Cont: TestFrames.Op.Continuation } as const

/** One frame; masked with `MASK` unless `mask: undefined` is given explicitly. */
export const frame = (
  opcode: number,
  payload: Uint8Array | string,
  options: { readonly fin?: boolean; readonly mask?: Uint8Array | undefined } = { mask: MASK }
): Uint8Array =>
  new Uint8Array(TestFrames.frame(opcode, payload, { fin: options.fin, mask: "mask" in options ? (options.mask ?? false) : MASK }))

/** A close frame payload: 2-byte code + reason. */
export const closePayload = (code: number, reason = ""): Uint8Array => new Uint8Array(TestFrames.closePayload(code, reason))

export const concat = (...parts: Array<Uint8Array>): Uint8Array => new Uint8Array(TestFrames.concat(...parts))

/** Splits `bytes` at the given sizes, cycling through them (odd boundaries); copies. */
export const split = (bytes: Uint8Array, sizes: ReadonlyArray<number>): Array<Uint8Array> =>
  TestFrames.split(bytes, sizes).map((piece) => new Uint8Array(piece))

export interface Decoded {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Uint8Array
}

/** Decodes a buffer of whole unmasked server frames (throws on a masked, cut or invalid frame). */
export const decodeFrames = (input: Uint8Array): Array<Decoded> =>
  TestFrames.decodeFrames(input).map((f) => ({ fin: f.fin, opcode: f.opcode, payload: new Uint8Array(f.payload) }))

/** Code and reason of a close frame's payload (code undefined when it has none). */
export const parseClose = TestFrames.parseClose
