/**
 * The suite's permessage-deflate client (src/pmd): compressor and decompressor with and without
 * context takeover, the strict window check, the answer check (RFC 7692 §7.1), and the 12/13 echo
 * case against `ws` servers (an independent implementation): one correct (with context takeover,
 * which wspipe never uses), one whose echo differs, one that never compresses.
 */
import { randomBytes } from "node:crypto"
import type { AddressInfo } from "node:net"
import * as zlib from "node:zlib"
import { afterEach, describe, expect, it } from "vitest"
import { WebSocketServer, type PerMessageDeflateOptions } from "ws"
import { echoCase } from "../src/cases/compression-echo.js"
import { checkAnswer, DEFAULT_OFFER, offerHeader } from "../src/pmd/offer.js"
import { payloadKinds } from "../src/pmd/payloads.js"
import { ClientDeflater, ClientInflater, TAIL } from "../src/pmd/zlib-codec.js"
import { runCases } from "../src/runner.js"

const messages = (n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) =>
    Buffer.from(`{"seq":${i},"user":"alice","text":"hello there, this repeats across messages","tags":["a","b"]}`)
  )

describe("ClientDeflater / ClientInflater", () => {
  for (const takeover of [true, false]) {
    for (const bits of [9, 15]) {
      it(`round-trips 50 messages, ${takeover ? "with" : "without"} context takeover, ${bits}-bit window`, () => {
        const d = new ClientDeflater({ windowBits: bits, noContextTakeover: !takeover })
        const i = new ClientInflater({ windowBits: bits, noContextTakeover: !takeover })
        for (const m of messages(50)) {
          const c = d.compress(m)
          expect(c.subarray(-4).equals(TAIL)).toBe(false) // §7.2.1: tail removed
          expect(i.inflate(c).equals(m)).toBe(true)
        }
      })
    }
  }

  it("takeover really refers back: later messages shrink, and need the window to inflate", () => {
    const d = new ClientDeflater({ windowBits: 15, noContextTakeover: false })
    const plain = new ClientDeflater({ windowBits: 15, noContextTakeover: true })
    const [first, second] = messages(2)
    d.compress(first!)
    const withWindow = d.compress(second!)
    expect(withWindow.length).toBeLessThan(plain.compress(second!).length / 2)
    expect(() => new ClientInflater({ windowBits: 15, noContextTakeover: true }).inflate(withWindow)).toThrow()
  })

  it("refuses data compressed with a bigger window than agreed (distance past 2^bits)", () => {
    const r = randomBytes(3000).toString("hex")
    const data = Buffer.from(r + r) // repeats 6000 bytes back
    const deflated = zlib.deflateRawSync(data, { windowBits: 15, finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4)
    expect(new ClientInflater({ windowBits: 15, noContextTakeover: true }).inflate(deflated).equals(data)).toBe(true)
    expect(() => new ClientInflater({ windowBits: 9, noContextTakeover: true }).inflate(deflated)).toThrow(/too far back/)
  })

  it("an 8-bit agreement: our 9-bit zlib output inflates with an 8-bit window", () => {
    const d = new ClientDeflater({ windowBits: 8, noContextTakeover: true })
    const data = Buffer.from(JSON.stringify(messages(40).map(String)))
    expect(new ClientInflater({ windowBits: 8, noContextTakeover: true }).inflate(d.compress(data)).equals(data)).toBe(true)
  })
})

describe("checkAnswer (RFC 7692 §7.1)", () => {
  const ok = (offers: Parameters<typeof checkAnswer>[0], answer: string) => checkAnswer(offers, answer)
  it("accepts valid answers and derives the agreement", () => {
    expect(checkAnswer([DEFAULT_OFFER], undefined)).toBeUndefined()
    const a = ok([{ ...DEFAULT_OFFER, serverMaxWindowBits: 9 }], "permessage-deflate; server_no_context_takeover; server_max_window_bits=9")
    expect(a).toMatchObject({
      server: { windowBits: 9, noContextTakeover: true },
      client: { windowBits: 15, noContextTakeover: true },
      offerIndex: 0
    })
    expect(ok([DEFAULT_OFFER], "permessage-deflate; client_max_window_bits=10")).toMatchObject({ client: { windowBits: 10 } })
    expect(ok([{ serverMaxWindowBits: 9 }, {}], "permessage-deflate")).toMatchObject({ offerIndex: 1 })
  })
  it.each([
    ["permessage-deflate; client_max_window_bits=10", [{}], /not offered/],
    ["permessage-deflate; server_max_window_bits=12", [{ serverMaxWindowBits: 10 }], /exceeds/],
    ["permessage-deflate", [{ serverMaxWindowBits: 10 }], /lacks it/],
    ["permessage-deflate", [{ serverNoContextTakeover: true }], /lacks it/],
    ["permessage-deflate; server_max_window_bits=16", [{}], /8–15/],
    ["permessage-deflate; server_max_window_bits=08", [{}], /8–15/],
    ["permessage-deflate; foo", [{}], /unknown parameter/],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", [{}], /duplicate/],
    ["permessage-deflate, permessage-deflate", [{}], /2 times/],
    ["x-other", [{}], /not offered/]
  ] as const)("rejects %s", (answer, offers, problem) => {
    expect(checkAnswer(offers, answer)).toMatch(problem)
  })
})

/** A `ws` echo server; `transform` may change each echo, `compress` choose whether it is compressed. */
const servers: WebSocketServer[] = []
const wsEcho = async (
  perMessageDeflate: PerMessageDeflateOptions | false,
  transform = (b: Buffer) => b,
  compress = true
): Promise<string> => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate })
  servers.push(wss)
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(transform(data as Buffer), { binary: isBinary, compress })))
  await new Promise<void>((r) => wss.once("listening", () => r()))
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`
}
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()))
})

const json = payloadKinds()[0]!
const run = async (url: string, offers = [DEFAULT_OFFER], length = 16384) => {
  const [r] = await runCases([echoCase("12.x", "test", { offers, payload: json, length, fragment: 1024 }, 30)], { url })
  return r!
}

describe("the 12/13 echo case against ws", () => {
  it("OK against ws with server context takeover (our inflater keeps the window)", async () => {
    const url = await wsEcho({ threshold: 0, serverNoContextTakeover: false })
    const r = await run(url)
    expect([r.outcome, r.detail]).toEqual(["OK", expect.stringContaining("50 echoes compressed")])
    expect(r.detail).not.toContain("server_no_context_takeover")
  })

  it("OK against ws with server_max_window_bits=9 (13.3's offer), inflated strictly with 9 bits", async () => {
    const url = await wsEcho({ threshold: 0, serverNoContextTakeover: false })
    const r = await run(url, [{ ...DEFAULT_OFFER, serverMaxWindowBits: 9 }])
    expect([r.outcome, r.detail]).toEqual(["OK", expect.stringContaining("server_max_window_bits=9")])
  })

  it("FAILED when the echo differs in one byte", async () => {
    const url = await wsEcho({ threshold: 0 }, (b) => {
      const copy = Buffer.from(b)
      copy[100] = copy[100]! ^ 1
      return copy
    })
    const r = await run(url)
    expect([r.outcome, r.detail]).toEqual(["FAILED", expect.stringMatching(/echo of message 1 differs.*first difference at 100/)])
  })

  it("FAILED when large compressible echoes come back uncompressed", async () => {
    const url = await wsEcho({ threshold: 0 }, (b) => b, false)
    const r = await run(url)
    expect([r.outcome, r.detail]).toEqual(["FAILED", expect.stringContaining("came back uncompressed")])
  })

  it("UNIMPLEMENTED when the server declines permessage-deflate", async () => {
    const url = await wsEcho(false)
    const r = await run(url)
    expect([r.outcome, r.detail]).toEqual(["UNIMPLEMENTED", `server declined permessage-deflate (offer "${offerHeader([DEFAULT_OFFER])}")`])
  })
})
