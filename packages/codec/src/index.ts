/**
 * @wspipe/codec — the RFC 6455 protocol core. Pure functions and small state machines; it never
 * touches a socket and has no runtime dependencies.
 *
 * @module
 */
export * from "./errors.js"
export * from "./opcode.js"
export * from "./close.js"
export * from "./utf8.js"
export * from "./mask.js"
export * from "./frame-parser.js"
export * from "./frame-encoder.js"
export * as Frame from "./frame.js"
export * from "./http-request.js"
export * from "./handshake.js"
export * from "./negotiation.js"
export * from "./extension.js"
export * as PermessageDeflate from "./permessage-deflate/index.js"
