/**
 * TEMPORARY: the flat names of the codec's first API, kept as deprecated aliases of the namespaced
 * ones so that `@wspipe/server` (being restructured at the same time) keeps compiling and running
 * until its imports are migrated. Each alias says its replacement; README.md has the whole table.
 * Two old names cannot be aliased because the namespace of the same name takes them: the type
 * `Opcode` (now `Opcode.Opcode`) and the interface `Extension` (now `Extension.Extension`).
 *
 * Delete this file and its `export *` line in index.ts once nothing imports these names
 * (`grep -rn "@wspipe/codec" packages apps`).
 *
 * @module
 */
import * as close from "./close.js"
import * as encoder from "./encoder.js"
import * as extension from "./extension.js"
import * as frame from "./frame.js"
import * as handshake from "./handshake.js"
import * as http from "./http.js"
import * as negotiation from "./negotiation.js"
import * as opcode from "./opcode.js"
import * as parser from "./parser.js"
import * as utf8 from "./utf8.js"

/** @deprecated Use `Opcode.isControl`. */
export const isControlOpcode = opcode.isControl
/** @deprecated Use `Opcode.MessageKind`. */
export type MessageKind = opcode.MessageKind

/** @deprecated Use `Close.Code`. */
export const CloseCode = close.Code
/** @deprecated Use `Close.Code`. */
export type CloseCode = close.Code
/** @deprecated Use `Close.isValidWireCode`. */
export const isValidWireCloseCode = close.isValidWireCode
/** @deprecated Use `Close.isApplicationCode`. */
export const isApplicationCloseCode = close.isApplicationCode
/** @deprecated Use `Close.parsePayload`. */
export const parseClosePayload = close.parsePayload
/** @deprecated Use `Close.encodePayload`. */
export const encodeClosePayload = close.encodePayload
/** @deprecated Use `Close.checkArgs`. */
export const checkCloseArgs = close.checkArgs

/** @deprecated Use `Utf8.Validator`. */
export const Utf8Validator = utf8.Validator
/** @deprecated Use `Utf8.Validator`. */
export type Utf8Validator = utf8.Validator
/** @deprecated Use `Utf8.isValid`. */
export const isValidUtf8 = utf8.isValid

/** @deprecated Use `Bytes.unmask`. */
export { unmask } from "./bytes.js"

/** @deprecated Use `Parser.FrameParser`. */
export const FrameParser = parser.FrameParser
/** @deprecated Use `Parser.FrameParser`. */
export type FrameParser = parser.FrameParser
/** @deprecated Use `Parser.Options`. */
export type FrameParserOptions = parser.Options
/** @deprecated Use `Parser.Sink`. */
export type FrameSink = parser.Sink

/** @deprecated Use `Encoder.FrameOptions`. */
export type EncodeFrameOptions = encoder.FrameOptions
/** @deprecated Use `Encoder.MessageOptions`. */
export type EncodeMessageOptions = encoder.MessageOptions
/** @deprecated Use `Encoder.MAX_CONTROL_PAYLOAD`. */
export const MAX_CONTROL_PAYLOAD = encoder.MAX_CONTROL_PAYLOAD
/** @deprecated Use `Encoder.headerLength`. */
export const frameHeaderLength = encoder.headerLength
/** @deprecated Use `Encoder.header`. */
export const encodeFrameHeader = encoder.header
/** @deprecated Use `Encoder.parts`. */
export const encodeFrameParts = encoder.parts
/** @deprecated Use `Encoder.frame`. */
export const encodeFrame = encoder.frame
/** @deprecated Use `Encoder.text`. */
export const encodeText = encoder.text
/** @deprecated Use `Encoder.binary`. */
export const encodeBinary = encoder.binary
/** @deprecated Use `Encoder.ping`. */
export const encodePing = encoder.ping
/** @deprecated Use `Encoder.pong`. */
export const encodePong = encoder.pong
/** @deprecated Use `Encoder.close`. */
export const encodeClose = encoder.close
/** @deprecated Use `Encoder.message`. */
export const encodeMessage = encoder.message
/** @deprecated Use `Encoder.checkControlPayload`. */
export const checkControlPayload = encoder.checkControlPayload

/** @deprecated Use `Frame.Kind`. */
export type FrameKind = frame.Kind
/** @deprecated Use `Frame.Options`. */
export type FrameOptions = frame.Options

/** @deprecated Use `Http.RequestHead`. */
export type RequestHead = http.RequestHead
/** @deprecated Use `Http.RequestHeadParserOptions`. */
export type RequestHeadParserOptions = http.RequestHeadParserOptions
/** @deprecated Use `Http.RequestHeadComplete`. */
export type RequestHeadComplete = http.RequestHeadComplete
/** @deprecated Use `Http.RequestHeadResult`. */
export type RequestHeadResult = http.RequestHeadResult
/** @deprecated Use `Http.DEFAULT_MAX_HEAD_SIZE`. */
export const DEFAULT_MAX_HEAD_SIZE = http.DEFAULT_MAX_HEAD_SIZE
/** @deprecated Use `Http.isTokenChar`. */
export const isTokenChar = http.isTokenChar
/** @deprecated Use `Http.RequestHeadParser`. */
export const RequestHeadParser = http.RequestHeadParser
/** @deprecated Use `Http.RequestHeadParser`. */
export type RequestHeadParser = http.RequestHeadParser
/** @deprecated Use `Http.parseRequestHead`. */
export const parseRequestHead = http.parseRequestHead
/** @deprecated Use `Http.fromNode`. */
export const requestHeadFromNode = http.fromNode

/** @deprecated Use `Handshake.WEBSOCKET_GUID`. */
export const WEBSOCKET_GUID = handshake.WEBSOCKET_GUID
/** @deprecated Use `Handshake.acceptKey`. */
export const acceptKey = handshake.acceptKey
/** @deprecated Use `Handshake.UpgradeRequest`. */
export type UpgradeRequest = handshake.UpgradeRequest
/** @deprecated Use `Handshake.validateUpgrade`. */
export const validateUpgrade = handshake.validateUpgrade
/** @deprecated Use `Handshake.acceptResponse`. */
export const acceptResponse = handshake.acceptResponse
/** @deprecated Use `Handshake.reasonPhrase`. */
export const reasonPhrase = handshake.reasonPhrase
/** @deprecated Use `Handshake.rejectResponse`. */
export const rejectResponse = handshake.rejectResponse

/** @deprecated Use `Negotiation.ExtensionOffer`. */
export type ExtensionOffer = negotiation.ExtensionOffer
/** @deprecated Use `Negotiation.isToken`. */
export const isToken = negotiation.isToken
/** @deprecated Use `Negotiation.parseProtocols`. */
export const parseProtocols = negotiation.parseProtocols
/** @deprecated Use `Negotiation.parseExtensions`. */
export const parseExtensions = negotiation.parseExtensions
/** @deprecated Use `Negotiation.formatExtensions`. */
export const formatExtensions = negotiation.formatExtensions
/** @deprecated Use `Negotiation.selectProtocol`. */
export const selectProtocol = negotiation.selectProtocol

/** @deprecated Use `Extension.negotiate`. */
export const negotiateExtensions = extension.negotiate
/** @deprecated Use `Extension.NegotiatedExtensions`. */
export type NegotiatedExtensions = extension.NegotiatedExtensions
