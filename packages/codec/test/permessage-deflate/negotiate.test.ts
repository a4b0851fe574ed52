/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): offer validation, parameter outcomes, several
 * offers and fallbacks, and the codec's `negotiateExtensions` plug point.
 */
import { describe, expect, it } from "vitest"
import { negotiate as negotiateExtensions } from "../../src/extension.js"
import { formatExtensions, parseExtensions, type ExtensionOffer } from "../../src/negotiation.js"
import * as PMD from "../../src/permessage-deflate/index.js"

const offers = (header: string): Array<ExtensionOffer> => parseExtensions(header) as Array<ExtensionOffer>
const answer = (header: string, options: PMD.Options = {}): string | undefined => {
  const a = PMD.negotiate(offers(header), options)
  return a === undefined ? undefined : formatExtensions([a.response])
}
const takeover = { serverNoContextTakeover: false, clientNoContextTakeover: false }

describe("offer validation (RFC 7692 §7.1: decline invalid offers)", () => {
  const declined: Array<[string, string]> = [
    ["permessage-deflate; foo", "unknown parameter"],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", "duplicate"],
    ["permessage-deflate; client_max_window_bits; client_max_window_bits=10", "duplicate"],
    ["permessage-deflate; server_no_context_takeover=1", "value on a flag"],
    ['permessage-deflate; client_no_context_takeover="x"', "value on a flag"],
    ["permessage-deflate; server_max_window_bits", "valueless server_max_window_bits (§7.1.2.1)"],
    ["permessage-deflate; server_max_window_bits=7", "below 8"],
    ["permessage-deflate; server_max_window_bits=16", "above 15"],
    ["permessage-deflate; client_max_window_bits=0", "below 8"],
    ["permessage-deflate; client_max_window_bits=08", "leading zero"],
    ["permessage-deflate; server_max_window_bits=+9", "sign"],
    ["permessage-deflate; server_max_window_bits=1e1", "not plain decimal"],
    ["permessage-deflate; client_max_window_bits=10.0", "not plain decimal"],
    ['permessage-deflate; server_max_window_bits="015"', "leading zero after unquoting"]
  ]
  for (const [header, why] of declined) {
    it(`declines ${header} (${why})`, () => {
      expect(PMD.parseOffer(offers(header)[0]!)).toBeInstanceOf(PMD.OfferDeclined)
      expect(PMD.negotiate(offers(header))).toBeUndefined()
    })
  }

  it("accepts every value 8..15, quoted or not (§7.1: value after unescaping)", () => {
    for (let b = 8; b <= 15; b++) {
      expect(PMD.parseWindowBits(String(b))).toBe(b)
      expect(PMD.parseOffer(offers(`permessage-deflate; server_max_window_bits="${b}"`)[0]!)).toMatchObject({
        serverMaxWindowBits: b
      })
    }
    for (const v of ["", "1", "7", "16", "99", "-8", "٩"]) expect(PMD.parseWindowBits(v)).toBeUndefined()
  })

  it("parses each parameter with and without value", () => {
    expect(PMD.parseOffer({ name: PMD.NAME, params: [] })).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: undefined,
      clientMaxWindowBits: undefined
    })
    expect(
      PMD.parseOffer(
        offers(
          "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits"
        )[0]!
      )
    ).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: true
    })
    expect(PMD.parseOffer(offers("permessage-deflate; client_max_window_bits=9")[0]!)).toMatchObject({
      clientMaxWindowBits: 9
    })
  })
})

describe("responses with the default options (no context takeover both ways)", () => {
  const table: Array<[string, string]> = [
    // What every browser offers.
    ["permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"],
    ["permessage-deflate", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"],
    // A client's limits are confirmed ("same or smaller", §7.1.2.1, §7.1.2.2).
    [
      "permessage-deflate; server_max_window_bits=10",
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10"
    ],
    [
      "permessage-deflate; client_max_window_bits=12",
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=12"
    ],
    ["permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"],
    [
      "permessage-deflate; server_max_window_bits=8",
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8"
    ]
  ]
  for (const [offer, response] of table) it(`${offer} → ${response}`, () => expect(answer(offer)).toBe(response))

  it("agrees per direction, and shares equal agreements", () => {
    const negotiate = PMD.negotiator(PMD.resolveOptions({}))
    const a = negotiate(offers("permessage-deflate; client_max_window_bits"))!
    expect(a.inflate).toEqual({ windowBits: 15, noContextTakeover: true })
    expect(a.deflate).toEqual({ windowBits: 15, noContextTakeover: true })
    expect({ threshold: a.threshold, level: a.level, memLevel: a.memLevel }).toEqual({ threshold: 1024, level: 1, memLevel: 8 })
    expect(negotiate(offers("permessage-deflate; client_max_window_bits"))).toBe(a)
    expect(negotiate(offers("permessage-deflate"))).toBe(a)
    expect(Object.isFrozen(a)).toBe(true)
  })
})

describe("responses with context takeover enabled", () => {
  it("takes over context unless the client asks otherwise (§7.1.1)", () => {
    expect(answer("permessage-deflate; client_max_window_bits", takeover)).toBe("permessage-deflate")
    expect(answer("permessage-deflate; server_no_context_takeover", takeover)).toBe("permessage-deflate; server_no_context_takeover")
    // The client's hint that it will not take over is confirmed, so we can reset our inflater.
    expect(answer("permessage-deflate; client_no_context_takeover", takeover)).toBe("permessage-deflate; client_no_context_takeover")
    const a = PMD.negotiate(offers("permessage-deflate; client_max_window_bits"), takeover)!
    expect(a.inflate).toEqual({ windowBits: 15, noContextTakeover: false })
    expect(a.deflate).toEqual({ windowBits: 15, noContextTakeover: false })
  })

  it("limits windows: ours, the client's, the smaller wins (§7.1.2)", () => {
    const o = { ...takeover, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }
    expect(answer("permessage-deflate; client_max_window_bits", o)).toBe(
      "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11"
    )
    expect(answer("permessage-deflate; server_max_window_bits=9; client_max_window_bits=9", o)).toBe(
      "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9"
    )
    const a = PMD.negotiate(offers("permessage-deflate; server_max_window_bits=12; client_max_window_bits=13"), o)!
    expect(a.deflate.windowBits).toBe(10)
    expect(a.inflate.windowBits).toBe(11)
  })

  it("without client_max_window_bits in the offer, never answers it; bounds memory by dropping takeover", () => {
    // §7.1.2.2: the response MUST NOT include client_max_window_bits when the offer did not.
    const o = { ...takeover, clientMaxWindowBits: 10 }
    expect(answer("permessage-deflate", o)).toBe("permessage-deflate; client_no_context_takeover")
    expect(PMD.negotiate(offers("permessage-deflate"), o)!.inflate).toEqual({ windowBits: 15, noContextTakeover: true })
    expect(answer("permessage-deflate", takeover)).toBe("permessage-deflate")
  })

  it("window bits 8: answered as 8, compressed by zlib with 9 (distances ≤ 250)", () => {
    const a = PMD.negotiate(offers("permessage-deflate; server_max_window_bits=8"), takeover)!
    expect(a.deflate.windowBits).toBe(8)
    expect(PMD.zlibWindowBits(a.deflate.windowBits)).toBe(9)
    expect(PMD.zlibWindowBits(15)).toBe(15)
  })
})

describe("several offers (RFC 7692 §5: the first acceptable one wins)", () => {
  it("skips invalid offers and takes the next", () => {
    expect(answer("permessage-deflate; server_max_window_bits=20, permessage-deflate; client_max_window_bits=10")).toBe(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=10"
    )
    expect(answer("permessage-deflate; foo=1, x-other, permessage-deflate")).toBe(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    )
  })

  it("takes the first of two valid offers", () => {
    expect(answer("permessage-deflate; server_max_window_bits=10, permessage-deflate", takeover)).toBe(
      "permessage-deflate; server_max_window_bits=10"
    )
  })

  it("no acceptable offer: go on without the extension", () => {
    expect(answer("permessage-deflate; a, permessage-deflate; server_max_window_bits")).toBeUndefined()
    expect(answer("x-webkit-deflate-frame")).toBeUndefined()
  })
})

describe("the Extension plug point", () => {
  it("negotiateExtensions answers, owns RSV1 and hands back the agreement", () => {
    const ext = PMD.extension()
    const r = negotiateExtensions(offers("x-foo, permessage-deflate; client_max_window_bits"), [ext])
    expect(r.header).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    expect(r.rsv).toBe(0x40)
    expect(r.agreed?.length).toBe(1)
    expect(PMD.agreement(r)?.inflate).toEqual({ windowBits: 15, noContextTakeover: true })
  })

  it("declined: no header, no RSV bit, no agreement", () => {
    const r = negotiateExtensions(offers("permessage-deflate; bogus"), [PMD.extension()])
    expect(r.header).toBeUndefined()
    expect(r.rsv).toBe(0)
    expect(PMD.agreement(r)).toBeUndefined()
  })

  it("extensions without `agreed` still negotiate (backwards compatible)", () => {
    const noop = { name: "x-noop", rsv: 0x20, accept: () => ({ name: "x-noop", params: [] }) }
    const r = negotiateExtensions(offers("x-noop, permessage-deflate"), [noop, PMD.extension()])
    expect(r.header).toBe("x-noop, permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    expect(r.agreed?.[0]).toBeUndefined()
    expect(negotiateExtensions(offers("x-noop"), [noop])).not.toHaveProperty("agreed")
    expect(r.rsv).toBe(0x60)
  })

  it("rejects options out of range", () => {
    expect(() => PMD.extension({ serverMaxWindowBits: 16 })).toThrow(RangeError)
    expect(() => PMD.extension({ clientMaxWindowBits: 7 })).toThrow(RangeError)
    expect(() => PMD.extension({ level: 10 })).toThrow(RangeError)
    expect(() => PMD.extension({ memLevel: 0 })).toThrow(RangeError)
  })
})
