/** All case tables, grouped into the report's categories (Autobahn numbering plus H and A). */
import type { Case } from "../scenario.js"
import { abuseCases } from "./abuse.js"
import { closeCases } from "./close.js"
import { compressionAbuseCases } from "./compression-abuse.js"
import { compressionOfferCases } from "./compression-offers.js"
import { compressionParameterCases } from "./compression-params.js"
import { compressionPayloadCases } from "./compression-payloads.js"
import { fragmentationCases } from "./fragmentation.js"
import { framingCases, pingPongCases } from "./framing.js"
import { handshakeCases } from "./handshake.js"
import { autoFragCases, limitsCases } from "./limits.js"
import { opcodeCases, rsvCases } from "./rsv-opcodes.js"
import { utf8Cases } from "./utf8.js"

export interface Category {
  readonly id: string
  readonly title: string
  readonly cases: readonly Case[]
}

export const CATEGORIES: readonly Category[] = [
  { id: "H", title: "Opening Handshake (wspipe)", cases: [...handshakeCases, ...compressionOfferCases] },
  { id: "1", title: "Framing", cases: framingCases },
  { id: "2", title: "Pings/Pongs", cases: pingPongCases },
  { id: "3", title: "Reserved Bits", cases: rsvCases },
  { id: "4", title: "Opcodes", cases: opcodeCases },
  { id: "5", title: "Fragmentation", cases: fragmentationCases },
  { id: "6", title: "UTF-8 Handling", cases: utf8Cases },
  { id: "7", title: "Close Handling", cases: closeCases },
  { id: "9", title: "Limits/Performance", cases: limitsCases },
  { id: "10", title: "Auto-Fragmentation", cases: autoFragCases },
  { id: "12", title: "WebSocket Compression (different payloads)", cases: compressionPayloadCases },
  { id: "13", title: "WebSocket Compression (different parameters)", cases: compressionParameterCases },
  { id: "A", title: "Abuse & Robustness (wspipe)", cases: [...abuseCases, ...compressionAbuseCases] }
]

export const categoryOf = (caseId: string): string => caseId.split(".")[0]!
