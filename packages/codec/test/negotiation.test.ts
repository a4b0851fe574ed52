import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Extension, HandshakeError, Negotiation } from "../src/index.js"

const status = (r: unknown): number | undefined => (r instanceof HandshakeError ? r.status : undefined)

describe("Negotiation.parseProtocols", () => {
  it("parses a comma list of tokens in client order (RFC 6455 §4.1 item 10)", () => {
    expect(Negotiation.parseProtocols(undefined)).toEqual([])
    expect(Negotiation.parseProtocols("chat")).toEqual(["chat"])
    expect(Negotiation.parseProtocols("chat, superchat")).toEqual(["chat", "superchat"])
    expect(Negotiation.parseProtocols("\tv2.json ,v1.json\t")).toEqual(["v2.json", "v1.json"])
    expect(Negotiation.parseProtocols("Chat, chat")).toEqual(["Chat", "chat"]) // case-sensitive names
  })

  it("ignores empty list elements (RFC 9110 §5.6.1.2)", () => {
    expect(Negotiation.parseProtocols("a,,b")).toEqual(["a", "b"])
    expect(Negotiation.parseProtocols(", a ,\t,")).toEqual(["a"])
    expect(Negotiation.parseProtocols("")).toEqual([])
    expect(Negotiation.parseProtocols(" , ")).toEqual([])
  })

  it("rejects non-token elements with 400 (RFC 6455 §4.1 item 10, RFC 9110 §5.6.2)", () => {
    for (const h of ["a b", "a/b", '"chat"', "a;b", "a=b", "chat, {x}", "caf\u00e9", "a\0", "[x]"]) {
      expect(status(Negotiation.parseProtocols(h))).toBe(400)
    }
  })

  it("rejects duplicate subprotocols with 400 (RFC 6455 §4.1 item 10: MUST all be unique)", () => {
    expect(status(Negotiation.parseProtocols("chat, superchat, chat"))).toBe(400)
  })
})

describe("Negotiation.parseExtensions", () => {
  it("parses names and parameters (RFC 6455 §9.1, RFC 7692 §5)", () => {
    expect(Negotiation.parseExtensions(undefined)).toEqual([])
    expect(Negotiation.parseExtensions("permessage-deflate; client_max_window_bits")).toEqual([
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] }
    ])
    expect(
      Negotiation.parseExtensions(
        "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits"
      )
    ).toEqual([
      {
        name: "permessage-deflate",
        params: [
          ["client_max_window_bits", true],
          ["server_max_window_bits", "10"]
        ]
      },
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] }
    ])
    expect(Negotiation.parseExtensions("foo,bar;baz=2;flag,\tqux")).toEqual([
      { name: "foo", params: [] },
      {
        name: "bar",
        params: [
          ["baz", "2"],
          ["flag", true]
        ]
      },
      { name: "qux", params: [] }
    ])
  })

  it("unquotes quoted-string values, which must then be tokens (RFC 6455 §9.1)", () => {
    expect(Negotiation.parseExtensions('x; a="10"')).toEqual([{ name: "x", params: [["a", "10"]] }])
    expect(Negotiation.parseExtensions('x; a="1\\0"')).toEqual([{ name: "x", params: [["a", "10"]] }])
    expect(Negotiation.parseExtensions('x; a="1\\\\0"')).toEqual(new HandshakeError(400, "invalid Sec-WebSocket-Extensions header"))
    for (const h of ['x; a="1 0"', 'x; a=""', 'x; a="a,b"', 'x; a="a;b"', 'x; a="1', 'x; a="1\\', 'x; a="\u0001"']) {
      expect(status(Negotiation.parseExtensions(h))).toBe(400)
    }
  })

  it("accepts OWS around ';' and '=' (RFC 6455 §9.1 via RFC 2616 §2.1 implied LWS)", () => {
    expect(Negotiation.parseExtensions("x ; a = 1 ;\tb\t, y")).toEqual([
      {
        name: "x",
        params: [
          ["a", "1"],
          ["b", true]
        ]
      },
      { name: "y", params: [] }
    ])
  })

  it("ignores empty list elements, from joined repeated headers too (RFC 9110 §5.6.1.2, §5.3)", () => {
    expect(Negotiation.parseExtensions("a,,b")).toEqual([
      { name: "a", params: [] },
      { name: "b", params: [] }
    ])
    expect(Negotiation.parseExtensions(", a, ")).toEqual([{ name: "a", params: [] }])
    expect(Negotiation.parseExtensions("")).toEqual([])
  })

  it("rejects malformed lists with 400 (RFC 6455 §9.1)", () => {
    const bad = [
      "x;",
      "x;;a",
      ";a",
      "x; =1",
      "x; a=",
      "x y",
      "x; a=1 b",
      "x; a=b=c",
      '"x"',
      "x; a b",
      "x,;",
      "x; a=(1)",
      'x; a="1"2',
      "x/1"
    ]
    for (const h of bad) expect(status(Negotiation.parseExtensions(h)), h).toBe(400)
  })

  it("never throws on arbitrary strings (RFC 6455 §9.1 robustness)", () => {
    const chars = fc.constantFrom(...'ab1-,;= \t"\\\u0001\u00e9'.split(""))
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(chars, { maxLength: 40 }).map((a) => a.join(""))
        ),
        (s) => {
          const e = Negotiation.parseExtensions(s)
          const p = Negotiation.parseProtocols(s)
          return (e instanceof HandshakeError || Array.isArray(e)) && (p instanceof HandshakeError || Array.isArray(p))
        }
      ),
      { numRuns: 3000 }
    )
  })
})

describe("Negotiation.formatExtensions", () => {
  it("formats and re-parses to the same offers (RFC 6455 §9.1)", () => {
    const list: Array<Negotiation.ExtensionOffer> = [
      {
        name: "permessage-deflate",
        params: [
          ["server_no_context_takeover", true],
          ["client_max_window_bits", "10"]
        ]
      },
      { name: "x-foo", params: [] }
    ]
    const text = Negotiation.formatExtensions(list)
    expect(text).toBe("permessage-deflate; server_no_context_takeover; client_max_window_bits=10, x-foo")
    expect(Negotiation.parseExtensions(text)).toEqual(list)
    expect(Negotiation.formatExtensions([])).toBe("")
  })

  it("quotes and escapes non-token values (RFC 9110 §5.6.4)", () => {
    expect(Negotiation.formatExtensions([{ name: "x", params: [["a", 'b "c" \\d']] }])).toBe('x; a="b \\"c\\" \\\\d"')
  })

  it("round-trips any token offers (RFC 6455 §9.1)", () => {
    const token = fc.stringMatching(/^[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,8}$/)
    const offer = fc.record({
      name: token,
      params: fc.array(fc.tuple(token, fc.oneof(token, fc.constant(true as const))), { maxLength: 3 })
    })
    fc.assert(
      fc.property(fc.array(offer, { minLength: 1, maxLength: 4 }), (list) => {
        expect(Negotiation.parseExtensions(Negotiation.formatExtensions(list))).toEqual(list)
      }),
      { numRuns: 500 }
    )
    expect(Negotiation.isToken("")).toBe(false)
  })
})

describe("Negotiation.selectProtocol", () => {
  it("picks the client's most preferred supported protocol (RFC 6455 §4.1 item 10, §4.2.2)", () => {
    expect(Negotiation.selectProtocol(["v2", "v1"], ["v1", "v2"])).toBe("v2")
    expect(Negotiation.selectProtocol(["v3", "v1"], ["v1", "v2"])).toBe("v1")
    expect(Negotiation.selectProtocol(["v3"], ["v1", "v2"])).toBeUndefined()
    expect(Negotiation.selectProtocol(["V1"], ["v1"])).toBeUndefined()
  })

  it("uses a chooser, but never answers with an unoffered protocol (RFC 6455 §4.1, §4.2.2)", () => {
    expect(Negotiation.selectProtocol(["a", "b"], (offered) => offered[1])).toBe("b")
    expect(Negotiation.selectProtocol(["a", "b"], () => "c")).toBeUndefined()
    expect(Negotiation.selectProtocol(["a", "b"], () => undefined)).toBeUndefined()
    let called = false
    expect(
      Negotiation.selectProtocol([], () => {
        called = true
        return "a"
      })
    ).toBeUndefined()
    expect(called).toBe(false)
  })
})

describe("Extension.negotiate", () => {
  const deflateLike = (
    answer: Negotiation.ExtensionOffer["params"] | undefined,
    seen: Array<ReadonlyArray<Negotiation.ExtensionOffer>> = []
  ): Extension.Extension => ({
    name: "permessage-deflate",
    rsv: 0x40,
    accept: (offers) => {
      seen.push(offers)
      return answer === undefined ? undefined : { name: "ignored", params: answer }
    }
  })
  const offers = (h: string): Array<Negotiation.ExtensionOffer> => {
    const r = Negotiation.parseExtensions(h)
    if (r instanceof HandshakeError) throw r
    return r
  }

  it("declines unknown extensions by not answering them (RFC 6455 §9.1)", () => {
    const r = Extension.negotiate(offers("x-unknown; a=1, y-other"), [deflateLike([])])
    expect(r).toEqual({ accepted: [], extensions: [], rsv: 0, header: undefined })
    expect(Extension.negotiate(offers("permessage-deflate"), []).header).toBeUndefined()
  })

  it("accepts a supported extension with its params and RSV bit (RFC 6455 §9.1, §5.2; RFC 7692 §5)", () => {
    const seen: Array<ReadonlyArray<Negotiation.ExtensionOffer>> = []
    const ext = deflateLike([["server_no_context_takeover", true]], seen)
    const r = Extension.negotiate(offers("x-unknown, permessage-deflate; client_max_window_bits, permessage-deflate"), [ext])
    expect(r.header).toBe("permessage-deflate; server_no_context_takeover")
    expect(r.rsv).toBe(0x40)
    expect(r.extensions).toEqual([ext])
    // Asked once, with every alternative offer for its name, in client order.
    expect(seen).toEqual([
      [
        { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
        { name: "permessage-deflate", params: [] }
      ]
    ])
  })

  it("sends no header when the extension declines (RFC 6455 §9.1)", () => {
    expect(Extension.negotiate(offers("permessage-deflate"), [deflateLike(undefined)])).toEqual({
      accepted: [],
      extensions: [],
      rsv: 0,
      header: undefined
    })
  })

  it("orders accepted extensions by the client's offers and skips RSV clashes (RFC 6455 §9.1, §5.2)", () => {
    const a: Extension.Extension = { name: "a", rsv: 0x20, accept: () => ({ name: "a", params: [] }) }
    const b: Extension.Extension = { name: "b", rsv: 0x10, accept: () => ({ name: "b", params: [["k", "v w"]] }) }
    const clash: Extension.Extension = { name: "c", rsv: 0x20, accept: () => ({ name: "c", params: [] }) }
    const r = Extension.negotiate(offers("b, c, a"), [a, clash, b])
    expect(r.header).toBe('b; k="v w", c')
    expect(r.rsv).toBe(0x30)
    expect(r.extensions).toEqual([b, clash])
  })
})
