// Prepended to every TSDoc example of test-frames that has no import of its own (scripts/tsdoc-examples.ts).
import { createHash } from "node:crypto"
import { checkClose, checkUpgradeResponse, closeCodeOf, closePayload, concat, decodeFrames, encodeFrame, encodeHeader,
  expectedAccept, frame, FrameReader, GUID, isSendableCloseCode, isValidUtf8, MASK, maskInPlace, MessageAssembler, newKey,
  Op, parseClose, parseResponseHead, randomMask, repeatTo, ResponseHeadReader, Rsv, SAMPLE_KEY, split, toBytes,
  upgradeRequest, type FrameSpec, type ReadFrame, type RequestOptions, type ResponseHead, type ServerEvent } from "@wspipe/test-frames"
