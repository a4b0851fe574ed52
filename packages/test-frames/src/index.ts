/**
 * @wspipe/test-frames — test support: a second, independent implementation of the client side of
 * RFC 6455 that the codec and the server are checked against. It never imports `@wspipe/codec`:
 * a bug shared by the code under test and its checker would hide itself.
 *
 * - build any client frame, valid or not ({@link frame}, {@link encodeFrame}, {@link encodeHeader});
 * - the client handshake ({@link upgradeRequest}, {@link expectedAccept}, {@link ResponseHeadReader});
 * - read and check the server's frames ({@link FrameReader}, {@link MessageAssembler},
 *   {@link decodeFrames}, {@link parseClose}).
 *
 * @example
 * ```ts
 * import { FrameReader, MASK, Op, closePayload, frame } from "@wspipe/test-frames"
 *
 * socket.write(frame(Op.Text, "Hello", { mask: MASK }))          // 81 85 37 fa 21 3d 7f 9f 4d 51 58
 * socket.write(frame(Op.Close, closePayload(1000, "bye")))       // masked with a random key
 * const reader = new FrameReader()
 * socket.on("data", (chunk: Buffer) => console.log(reader.push(chunk), reader.violations))
 * ```
 *
 * @module
 */
export { concat, repeatTo, split, toBytes } from "./bytes.js"
export { closeCodeOf, decodeFrames, FrameReader, type ReaderOptions, type ReadFrame } from "./decode.js"
export {
  closePayload,
  encodeFrame,
  encodeHeader,
  frame,
  type FrameOptions,
  type FrameSpec,
  MASK,
  maskInPlace,
  randomMask
} from "./encode.js"
export {
  checkUpgradeResponse,
  expectedAccept,
  GUID,
  newKey,
  parseResponseHead,
  type RequestOptions,
  type ResponseHead,
  ResponseHeadReader,
  SAMPLE_KEY,
  upgradeRequest
} from "./handshake.js"
export { checkClose, isSendableCloseCode, isValidUtf8, MessageAssembler, parseClose, type ServerEvent } from "./messages.js"
export { Op, Rsv } from "./opcode.js"
