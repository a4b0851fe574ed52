/**
 * The socket scenarios both servers must pass with our test client (real TCP on 127.0.0.1):
 * handshake answers for random keys, messages both ways, frames pipelined behind key3, and the
 * closing handshake started by either side (draft §6).
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { clientText, type ConnectionEvent, Hixie76Client, makeKey, seeded } from "./client.js"
import type { TestServer } from "./servers.js"

const texts = (events: ReadonlyArray<ConnectionEvent>): string[] => events.flatMap((e) => (e.type === "text" ? [e.text] : []))

export const socketScenarios = (start: () => Promise<TestServer>): void => {
  let server: TestServer
  beforeAll(async () => {
    server = await start()
  })
  afterAll(() => server.stop())

  it("answers the challenge for random keys (the client checks all 16 bytes)", async () => {
    const rng = seeded(76)
    for (let i = 0; i < 16; i++) {
      // Edge keys too: one space, twelve spaces, numbers at the top of the range.
      const key1 = i === 0 ? makeKey(rng, { spaces: 1, number: 4294967295 }) : makeKey(rng)
      const key2 = i === 1 ? makeKey(rng, { spaces: 12, number: Math.floor(4294967295 / 12) }) : makeKey(rng)
      const client = await Hixie76Client.connect(server.port, { rng, key1, key2, resource: `/chat/${i}?room=${i}` })
      expect(texts(await client.until("text"))).toEqual(["welcome"])
      client.close()
      expect((await client.until("end")).map((e) => e.type)).toEqual(["close", "end"])
    }
  })

  it("exchanges messages both ways, in order, including empty, non-ASCII and large ones", async () => {
    const before = server.log.messages.length
    const client = await Hixie76Client.connect(server.port, { resource: "/echo" })
    const sent = ["hello", "", "κόσμε 🎉", "x".repeat(100_000), "a\u0000b"]
    for (const s of sent) client.send(s)
    const got: string[] = []
    while (got.length < sent.length + 1) {
      const e = await client.next()
      if (e.type === "text") got.push(e.text)
      else throw new Error(`unexpected ${e.type}`)
    }
    expect(got).toEqual(["welcome", ...sent.map((s) => "echo:" + s)])
    expect(server.log.messages.slice(before)).toEqual(sent)
    client.close()
    await client.until("end")
  })

  it("reads frames the client pipelined behind key3 in the same write", async () => {
    const before = server.log.messages.length
    const firstFrames = Buffer.concat([clientText("early 1"), clientText("early 2")])
    const client = await Hixie76Client.connect(server.port, { firstFrames })
    const events = await client.until("text")
    const more = [...events]
    while (texts(more).length < 3) more.push(await client.next())
    expect(texts(more)).toEqual(["welcome", "echo:early 1", "echo:early 2"])
    expect(server.log.messages.slice(before)).toEqual(["early 1", "early 2"])
    client.close()
    await client.until("end")
  })

  it("client-initiated closing handshake: the server answers 0xFF 0x00 and ends the connection", async () => {
    const closes = server.log.closes
    const client = await Hixie76Client.connect(server.port)
    await client.until("text")
    client.close()
    expect((await client.until("end")).map((e) => e.type)).toEqual(["close", "end"])
    expect(server.log.closes).toBe(closes + 1)
  })

  it("server-initiated closing handshake: the client answers and the connection ends", async () => {
    const closes = server.log.closes
    const client = await Hixie76Client.connect(server.port)
    await client.until("text")
    client.send("please close")
    expect((await client.until("end")).map((e) => e.type)).toEqual(["close", "end"])
    expect(server.log.closes).toBe(closes + 1)
  })

  it("a client close frame split across writes still closes", async () => {
    const client = await Hixie76Client.connect(server.port)
    await client.until("text")
    client.close(true)
    expect((await client.until("end")).map((e) => e.type)).toEqual(["close", "end"])
  })
}
