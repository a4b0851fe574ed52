/**
 * The whole server-side opening of a draft-76 connection from one byte stream: request head +
 * key3 + the client's first frames, as a fast client sends them in one write. Whatever the TCP
 * chunking (every single split point, one byte at a time, random splits), RequestHeadParser →
 * validateUpgrade → Key3Collector → acceptResponse → FrameParser must give the same answer and
 * the same messages: nothing after the head or after key3 may be lost.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { HandshakeError } from "../../src/errors.js"
import { RequestHeadParser } from "../../src/http.js"
import { FrameParser } from "../../src/hixie76/frame-parser.js"
import { acceptResponse, Key3Collector, validateUpgrade } from "../../src/hixie76/handshake.js"
import { buildHandshake, clientText, CLIENT_CLOSE, type ClientHandshake, seeded } from "./support/client.js"

interface Outcome {
  readonly answer: string
  readonly events: string[]
  readonly idle: boolean
}

/** Runs the server side over `chunks` (each a fresh copy: the parsers keep chunks by reference). */
const run = (chunks: ReadonlyArray<Uint8Array>): Outcome | string => {
  const heads = new RequestHeadParser()
  const events: string[] = []
  let collector: Key3Collector | undefined
  let request: ReturnType<typeof validateUpgrade> | undefined
  let parser: FrameParser | undefined
  let answer = ""
  for (const chunk of chunks) {
    let bytes = chunk
    if (request === undefined) {
      const r = heads.push(bytes)
      if (r === undefined) continue
      if (r instanceof HandshakeError) return r.message
      request = validateUpgrade(r.head)
      if (request instanceof HandshakeError) return request.message
      collector = new Key3Collector()
      bytes = r.rest
    }
    if (parser === undefined) {
      const k = collector!.push(bytes)
      if (k === undefined) continue
      if (k instanceof HandshakeError) return k.message
      const response = acceptResponse({ request: request as Exclude<typeof request, HandshakeError>, key3: k.key3 })
      answer = Buffer.from(response.subarray(response.length - 16)).toString("hex")
      parser = new FrameParser({
        onMessage: (_kind, data) => void events.push(Buffer.from(data).toString("utf8")),
        onClose: () => void events.push("<close>")
      })
      bytes = k.rest
    }
    const error = parser.push(bytes)
    if (error !== undefined) return error.message
  }
  return { answer, events, idle: parser?.idle ?? false }
}

const split = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Uint8Array[] => {
  const out: Uint8Array[] = []
  let prev = 0
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.slice(prev, cut))
    prev = cut
  }
  return out
}

const FRAMES = [clientText("first"), Uint8Array.of(0x80, 0x03, 9, 9, 9), clientText("κόσμε"), clientText(""), CLIENT_CLOSE]
const EVENTS = ["first", "κόσμε", "", "<close>"]

const stream = (h: ClientHandshake): Uint8Array => new Uint8Array(Buffer.concat([h.request, ...FRAMES]))

const expected = (h: ClientHandshake): Outcome => ({ answer: Buffer.from(h.expected).toString("hex"), events: EVENTS, idle: true })

describe("head + key3 + frames in one stream, any chunking", () => {
  // The draft's worked example keys (§1.3), then random ones built by the client algorithm (§4.1).
  const worked = buildHandshake({
    host: "example.com",
    resource: "/demo",
    key1: { key: "18x 6]8vM;54 *(5:  {   U1]8  z [  8", spaces: 12, number: 155712099 },
    key2: { key: "1_ tx7X d  <  nw  334J702) 7]o}` 0", spaces: 10, number: 173347027 },
    key3: Buffer.from("Tm[K T2u", "latin1"),
    rng: seeded(1)
  })

  it("in one buffer: the worked example's answer and every frame", () => {
    const bytes = stream(worked)
    expect(run([bytes])).toEqual(expected(worked))
    expect(Buffer.from(worked.expected).toString("latin1")).toBe("fQJ,fN/4F4!~K~MH")
  })

  it("split at every single point", () => {
    const bytes = stream(worked)
    const want = expected(worked)
    for (let i = 0; i <= bytes.length; i++) expect(run(split(bytes, [i])), `split at ${i}`).toEqual(want)
  })

  it("split around the end of the head and of key3 in every way (two cuts)", () => {
    const bytes = stream(worked)
    const headEnd = worked.head.length
    const want = expected(worked)
    for (let a = headEnd - 4; a <= headEnd + 10; a++) {
      for (let b = a; b <= headEnd + 14; b++) expect(run(split(bytes, [a, b])), `cuts ${a}, ${b}`).toEqual(want)
    }
  })

  it("one byte at a time", () => {
    const bytes = stream(worked)
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)
    expect(run(split(bytes, cuts))).toEqual(expected(worked))
  })

  it("random keys × random splits", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.nat(), { maxLength: 12 }), (seed, raw) => {
        const h = buildHandshake({
          host: "h.example:8080",
          resource: "/r?q=1",
          rng: seeded(seed),
          key3: new Uint8Array(Buffer.from(seed.toString(16).padStart(8, "0").slice(-8)))
        })
        const bytes = stream(h)
        const cuts = [...new Set(raw.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y)
        expect(run(split(bytes, cuts))).toEqual(expected(h))
      }),
      { numRuns: 300 }
    )
  })
})
