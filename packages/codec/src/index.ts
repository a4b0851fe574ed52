/**
 * @wspipe/codec — the RFC 6455 protocol core. Pure functions and small state machines; it never
 * touches a socket and has no runtime dependencies.
 *
 * One namespace per concept, as in Effect (`Encoder.text`, not `encodeText`); only the two error
 * classes live at the root.
 *
 * @example
 * ```ts
 * import { Encoder, Opcode, Parser, ProtocolError } from "@wspipe/codec"
 *
 * const parser = new Parser.FrameParser({
 *   onMessage: (kind, data) => socket.write(kind === "text" ? Encoder.message("text", data) : Encoder.binary(data)),
 *   onPing: (data) => socket.write(Encoder.pong(data)),
 *   onPong: () => {},
 *   onClose: () => socket.end(Encoder.close(1000))
 * })
 * const err: ProtocolError | undefined = parser.push(chunk)
 * if (err !== undefined) socket.end(Encoder.close(err.code, err.reason))
 * Opcode.isControl(Opcode.Ping) // true
 * ```
 *
 * @module
 */
export { HandshakeError, ProtocolError, type ProtocolErrorKind } from "./errors.js"
/** Frame opcodes (RFC 6455 §5.2): `Opcode.Text`, `Opcode.isControl`, `Opcode.MessageKind`. */
export * as Opcode from "./opcode.js"
/** Close codes and payloads (RFC 6455 §5.5.1, §7.4): `Close.Code`, `Close.parsePayload`, … */
export * as Close from "./close.js"
/** Streaming, fail-fast UTF-8 validation (RFC 6455 §8.1): `Utf8.Validator`, `Utf8.isValid`. */
export * as Utf8 from "./utf8.js"
/** Masking and joining payload bytes (RFC 6455 §5.3): `Bytes.unmask`, `Bytes.join`, … */
export * as Bytes from "./bytes.js"
/** The incremental frame parser (RFC 6455 §5): `Parser.FrameParser`, `Parser.Sink`, `Parser.Options`. */
export * as Parser from "./parser.js"
/** Frame encoding (RFC 6455 §5.2): `Encoder.text`, `Encoder.frame`, `Encoder.message`, … */
export * as Encoder from "./encoder.js"
/** Pre-framed messages, encoded once and written to many sockets: `Frame.text`, `Frame.isFrame`. */
export * as Frame from "./frame.js"
/** The HTTP/1.1 request head of the opening handshake: `Http.RequestHeadParser`, `Http.fromNode`. */
export * as Http from "./http.js"
/** The server's opening handshake (RFC 6455 §4.2): `Handshake.validateUpgrade`, `Handshake.acceptResponse`. */
export * as Handshake from "./handshake.js"
/** Subprotocol and extension headers (RFC 6455 §4.3, §9.1): `Negotiation.parseProtocols`, … */
export * as Negotiation from "./negotiation.js"
/** The extension plug point (RFC 6455 §9): `Extension.Extension`, `Extension.negotiate`. */
export * as Extension from "./extension.js"
/** The pre-RFC protocol draft-hixie-76, opt-in (the Erlang original's): handshake, frame parser, encoder. */
export * as Hixie76 from "./hixie76/index.js"
/** permessage-deflate (RFC 7692): offer parsing and the server's negotiation. */
export * as PermessageDeflate from "./permessage-deflate/index.js"
