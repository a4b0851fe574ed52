/**
 * The draft-hixie-thewebsocketprotocol-76 codec (the pre-RFC 6455 protocol, also published as
 * draft-ietf-hybi-thewebsocketprotocol-00), a sibling of the RFC 6455 codec with the same style:
 * pure functions and small incremental state machines, errors returned as values, no socket.
 *
 * Import it as a namespace: `import { Hixie76 } from "@wspipe/codec"`, then e.g.
 * `Hixie76.validateUpgrade(head)`, `new Hixie76.FrameParser(sink)`, `Hixie76.encodeText("hi")`.
 *
 * @module
 */
export * from "./handshake.js"
export * from "./frame-parser.js"
export * from "./frame-encoder.js"
