/**
 * Echo over real sockets, with the `ws` npm client as the peer: text and binary at the sizes where
 * the frame length encoding changes (7-bit, 16-bit, 64-bit; RFC 6455 §5.2), and large messages.
 * Uses the bundled echo app's handler.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { connect } from "./support/client.js"
import { binaryOf, textOf } from "./support/payloads.js"
import { start } from "./support/server.js"

const MiB = 1024 * 1024
const sizes = [0, 1, 125, 126, 65535, 65536, MiB, 16 * MiB]

describe("echo over real sockets", () => {
  it("textOf makes strings of the exact UTF-8 size with multi-byte characters", () => {
    for (const n of [0, 1, 5, 125, 126, 65535]) expect(Buffer.byteLength(textOf(n))).toBe(n)
    expect(Buffer.from(textOf(125)).some((b) => b >= 0xf0)).toBe(true) // has 4-byte sequences
  })

  it.live.each(sizes)("binary of %i bytes comes back byte for byte", (size) =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url)
      const payload = binaryOf(size)
      yield* client.send(payload)
      const reply = yield* client.next(20_000)
      expect(reply.isBinary).toBe(true)
      expect(reply.data.byteLength).toBe(size)
      expect(reply.data.equals(payload)).toBe(true)
    })
  )

  it.live.each(sizes)("text of %i bytes (multi-byte UTF-8) comes back byte for byte", (size) =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url)
      const text = textOf(size)
      yield* client.send(text)
      const reply = yield* client.next(20_000)
      expect(reply.isBinary).toBe(false)
      expect(reply.data.byteLength).toBe(size)
      expect(reply.data.equals(Buffer.from(text, "utf8"))).toBe(true)
    })
  )

  it.live("many messages on one connection come back in order, text stays text and binary stays binary", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url)
      const sent: Array<Buffer | string> = []
      for (let i = 0; i < 200; i++) {
        const m = i % 2 === 0 ? `message ${i} ✓` : Buffer.from([i & 0xff, 0, 0xff])
        sent.push(m)
        client.ws.send(m)
      }
      for (const m of sent) {
        const reply = yield* client.next()
        expect(reply.isBinary).toBe(typeof m !== "string")
        expect(reply.data.equals(typeof m === "string" ? Buffer.from(m) : m)).toBe(true)
      }
    })
  )

  it.live("a fragmented message from the client comes back whole", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url)
      client.ws.send("héllo ", { fin: false })
      client.ws.send("wörld", { fin: true })
      expect(yield* client.nextText()).toBe("héllo wörld")
    })
  )

  it.live("a text message whose UTF-8 character is split between fragments is valid", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo)
      const client = yield* connect(url)
      const bytes = Buffer.from("café 😀", "utf8")
      client.ws.send(bytes.subarray(0, 4), { binary: false, fin: false }) // "caf" + first byte of "é"
      client.ws.send(bytes.subarray(4, 8), { binary: false, fin: false }) // rest of "é", " ", part of the emoji
      client.ws.send(bytes.subarray(8), { binary: false, fin: true })
      expect(yield* client.nextText()).toBe("café 😀")
    })
  )

  it.live("fragmentSize splits outgoing messages; the client reassembles them", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { fragmentSize: 1000 })
      const client = yield* connect(url)
      const payload = binaryOf(10_500)
      yield* client.send(payload)
      const reply = yield* client.next()
      expect(reply.data.equals(payload)).toBe(true)
    })
  )
})
