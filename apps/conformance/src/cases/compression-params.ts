/**
 * Category 13 (Autobahn's 13.1–13.7): permessage-deflate with different offers, JSON data, the
 * 18 sizes of category 12. Autobahn's offers, in RFC 7692 §7.1 parameter names (every one keeps
 * its default `client_no_context_takeover; client_max_window_bits`):
 *
 * 13.1 the default offer; 13.2 + server_no_context_takeover (§7.1.1.1); 13.3 +
 * server_max_window_bits=9 (§7.1.2.1); 13.4 + server_max_window_bits=15; 13.5 + both, 9 bits;
 * 13.6 + both, 15 bits; 13.7 three offers in order: 13.5's, 13.2's, the default (RFC 6455 §9.1:
 * the server takes the first it accepts, and its answer must be valid for one of them).
 *
 * A server may accept any of these (all are within zlib's range) or decline permessage-deflate
 * altogether (RFC 7692 §5): a valid acceptance is checked by the echoes; a decline is
 * UNIMPLEMENTED, as in Autobahn.
 */
import type { Case } from "../scenario.js"
import { DEFAULT_OFFER, type DeflateOffer } from "../pmd/offer.js"
import { payloadKinds } from "../pmd/payloads.js"
import { echoCase, echoDescription, MESSAGE_SIZES } from "./compression-echo.js"

const d = DEFAULT_OFFER
export const PARAMETER_OFFERS: ReadonlyArray<readonly DeflateOffer[]> = [
  [d],
  [{ ...d, serverNoContextTakeover: true }],
  [{ ...d, serverMaxWindowBits: 9 }],
  [{ ...d, serverMaxWindowBits: 15 }],
  [{ ...d, serverNoContextTakeover: true, serverMaxWindowBits: 9 }],
  [{ ...d, serverNoContextTakeover: true, serverMaxWindowBits: 15 }],
  [{ ...d, serverNoContextTakeover: true, serverMaxWindowBits: 9 }, { ...d, serverNoContextTakeover: true }, d]
]

const json = payloadKinds()[0]!

export const compressionParameterCases: Case[] = PARAMETER_OFFERS.flatMap((offers, o) =>
  MESSAGE_SIZES.map(([length, timeoutS, fragment], s) =>
    echoCase(`13.${o + 1}.${s + 1}`, echoDescription(length, fragment, json, offers), { offers, payload: json, length, fragment }, timeoutS)
  )
)
