/**
 * Category H, permessage-deflate offers a server may or must decline (RFC 7692 §5, §7.1). What OK
 * means follows the RFC: declining an offer is always allowed (the server then goes on with the
 * next offer or answers without the extension), so a correct decline is OK; an answer that is
 * not valid for any offer, or an agreement that the echoes then break, is FAILED.
 */
import { failed, ok, type Case, type Ctx, type Verdict } from "../scenario.js"
import { checkAnswer, DEFAULT_OFFER, offerElement, type DeflateOffer } from "../pmd/offer.js"
import { payloadKinds } from "../pmd/payloads.js"
import { connectDeflate, DeflateSession } from "../pmd/session.js"
import { runEcho } from "./compression-echo.js"

/** Echo a few compressible 8 KiB JSON messages over the agreement, or accept a decline. */
const echoOrDecline = async (
  ctx: Ctx,
  offers: readonly DeflateOffer[],
  onAgreement?: (s: DeflateSession) => Verdict | undefined
): Promise<Verdict> => {
  const session = new DeflateSession(offers)
  const c = await connectDeflate(ctx, session)
  if (session.answerProblem !== undefined) return failed(session.answerProblem)
  if (session.agreement === undefined) {
    c.sendClose(1000)
    return ok("declined (RFC 7692 §5)")
  }
  const early = onAgreement?.(session)
  if (early !== undefined) return early
  const v = await runEcho(c, session, {
    offers,
    payload: payloadKinds()[0]!,
    length: 8192,
    fragment: 0,
    count: 10,
    waitMs: Math.max(ctx.timeoutMs, 10_000)
  })
  return v.outcome === "OK" ? ok(`accepted offer ${session.agreement.offerIndex + 1}: ${v.detail}`) : v
}

/** Invalid offer elements (RFC 7692 §7.1: the server MUST decline them). */
export const INVALID_OFFERS: readonly string[] = [
  "permessage-deflate; server_max_window_bits=16", // out of 8–15 (§7.1.2.1)
  "permessage-deflate; server_max_window_bits=08", // leading zero (§7.1.2.1)
  "permessage-deflate; server_max_window_bits", // value required in an offer (§7.1.2.1)
  "permessage-deflate; client_max_window_bits=7", // out of 8–15 (§7.1.2.2)
  "permessage-deflate; server_no_context_takeover=1", // takes no value (§7.1.1.1)
  "permessage-deflate; client_no_context_takeover; client_no_context_takeover", // duplicate (§7.1)
  "permessage-deflate; x-unknown-parameter" // unknown (§7.1)
]

const withHeader = async (ctx: Ctx, header: string, validOffers: readonly DeflateOffer[], mustDecline: boolean): Promise<Verdict> => {
  const session = new DeflateSession(validOffers)
  const c = await ctx.connect({ request: { headers: { "Sec-WebSocket-Extensions": header } }, filter: session })
  const answer = c.response?.headers.get("sec-websocket-extensions")
  if (mustDecline) {
    c.sendClose(1000)
    return answer === undefined ? ok() : failed(`accepted an invalid offer: "${answer}" (RFC 7692 §7.1: the server MUST decline it)`)
  }
  if (session.answerProblem !== undefined) return failed(`${session.answerProblem} (only the last offer is valid)`)
  if (session.agreement === undefined) {
    c.sendClose(1000)
    return ok("declined every offer (RFC 7692 §5)")
  }
  const v = await runEcho(c, session, {
    offers: validOffers,
    payload: payloadKinds()[0]!,
    length: 8192,
    fragment: 0,
    count: 10,
    waitMs: Math.max(ctx.timeoutMs, 10_000)
  })
  return v.outcome === "OK" ? ok(`accepted the valid offer: ${v.detail}`) : v
}

export const compressionOfferCases: Case[] = [
  {
    id: "H.24",
    description: `Offers "${offerElement({ ...DEFAULT_OFFER, serverMaxWindowBits: 8 })}", then Autobahn's default offer. zlib cannot produce a raw 8-bit window (it uses 9, whose back-references stay within 250 bytes; docs/deflate-engine.md).`,
    expectation:
      "OK when the server accepts the first offer with server_max_window_bits=8 and its compressed echoes of 8 KiB JSON inflate with an 8-bit window (64-byte output pieces), or declines it and accepts the second validly, or declines both (RFC 7692 §5, §7.1.2.1: a server that cannot honour a window may decline). FAILED: an answer valid for neither offer, or an echo that does not inflate with the agreed window.",
    run: (ctx) => echoOrDecline(ctx, [{ ...DEFAULT_OFFER, serverMaxWindowBits: 8 }, DEFAULT_OFFER])
  },
  {
    id: "H.25",
    description: `Seven invalid permessage-deflate offers (window bits 16, 08, none, client 7, a valued no_context_takeover, a duplicate, an unknown parameter), then Autobahn's default offer, in one header.`,
    expectation:
      "The invalid offers are declined (RFC 7692 §7.1); the server accepts the last one with a valid answer (then 8 KiB JSON echoes must round-trip) or answers without the extension (§5).",
    run: (ctx) => withHeader(ctx, [...INVALID_OFFERS, offerElement(DEFAULT_OFFER)].join(", "), [DEFAULT_OFFER], false)
  },
  ...INVALID_OFFERS.map(
    (offer, i): Case => ({
      id: `H.${26 + i}`,
      description: `Only an invalid permessage-deflate offer: "${offer}".`,
      expectation:
        "101 without Sec-WebSocket-Extensions: the server MUST decline an offer with an invalid, duplicate or unknown parameter (RFC 7692 §7.1).",
      run: (ctx) => withHeader(ctx, offer, [], true)
    })
  )
]

/** H.22's check: when the server answers `permessage-deflate; client_max_window_bits`, a valid answer to it. */
export const checkDefaultAnswer = (answer: string | undefined): Verdict => {
  const r = checkAnswer([{ clientMaxWindowBits: true }], answer)
  return typeof r === "string" ? failed(r) : ok(r === undefined ? "declined" : "")
}
