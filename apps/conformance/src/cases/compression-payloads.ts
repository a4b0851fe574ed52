/**
 * Category 12 (Autobahn's 12.1–12.5): permessage-deflate with different payloads, Autobahn's
 * default offer (`client_no_context_takeover; client_max_window_bits`, RFC 7692 §7.1), 18 sizes
 * and fragmentations each (see compression-echo.ts). Our own generated data stands in for
 * Autobahn's files, kind for kind (src/pmd/payloads.ts).
 */
import type { Case } from "../scenario.js"
import { DEFAULT_OFFER } from "../pmd/offer.js"
import { payloadKinds } from "../pmd/payloads.js"
import { echoCase, echoDescription, MESSAGE_SIZES } from "./compression-echo.js"

const offers = [DEFAULT_OFFER]

export const compressionPayloadCases: Case[] = payloadKinds().flatMap((payload, p) =>
  MESSAGE_SIZES.map(([length, timeoutS, fragment], s) =>
    echoCase(`12.${p + 1}.${s + 1}`, echoDescription(length, fragment, payload, offers), { offers, payload, length, fragment }, timeoutS)
  )
)
