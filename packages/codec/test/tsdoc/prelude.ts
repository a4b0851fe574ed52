// Prepended to every TSDoc example of the codec that has no import of its own (scripts/tsdoc-examples.ts).
import { createHash } from "node:crypto"
import {
  Bytes,
  Close,
  Encoder,
  Extension,
  Frame,
  Handshake,
  HandshakeError,
  Hixie76,
  Http,
  Negotiation,
  Opcode,
  Parser,
  PermessageDeflate,
  ProtocolError,
  Utf8
} from "@wspipe/codec"
