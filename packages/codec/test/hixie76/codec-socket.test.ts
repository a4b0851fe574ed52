/**
 * Our draft-76 server codec (RequestHeadParser → Hixie76.validateUpgrade → Key3Collector →
 * acceptResponse → FrameParser / encoder) against our test client over real TCP: the scenarios
 * the client already passed against websocket-driver (websocket-driver.test.ts), then failures.
 */
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { buildHandshake, clientText, Hixie76Client } from "./support/client.js"
import { socketScenarios } from "./support/scenarios.js"
import { startCodecServer } from "./support/servers.js"

describe("test client vs our codec's server side", () => {
  socketScenarios(() => startCodecServer())
})

/** Send raw bytes, collect everything until the server closes. */
const exchange = (port: number, bytes: Uint8Array): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes))
    socket.on("data", (c: Buffer) => chunks.push(c))
    socket.on("error", reject)
    socket.on("close", () => resolve(Buffer.concat(chunks)))
  })

describe("our codec over TCP: failures", () => {
  it("echoes an accepted subprotocol, which the client checks", async () => {
    const server = await startCodecServer({ acceptProtocol: true })
    try {
      const client = await Hixie76Client.connect(server.port, { protocol: "chat" })
      expect(client.response.headers["sec-websocket-protocol"]).toBe("chat")
      client.close()
      await client.until("end")
    } finally {
      await server.stop()
    }
  })

  it("refuses a handshake with a bad key (400) before key3 matters", async () => {
    const server = await startCodecServer()
    try {
      const h = buildHandshake({ host: `127.0.0.1:${server.port}` })
      const bad = Buffer.from(h.head.replace(/Sec-WebSocket-Key1: [^\r]*/, "Sec-WebSocket-Key1: 12345"), "latin1")
      const answer = (await exchange(server.port, bad)).toString("latin1")
      expect(answer).toMatch(/^HTTP\/1\.1 400 /)
      expect(answer).toContain("Sec-WebSocket-Key1 has no spaces")
    } finally {
      await server.stop()
    }
  })

  it("invalid UTF-8 fails the connection (1007) without a closing handshake", async () => {
    const server = await startCodecServer()
    try {
      const client = await Hixie76Client.connect(server.port)
      await client.until("text")
      client.sendRaw(Uint8Array.of(0x00, 0x61, 0xc0, 0xaf)) // no 0xFF: fail fast
      expect((await client.until("end")).map((e) => e.type)).toEqual(["end"])
      expect(server.log.errors.map((e) => e.code)).toEqual([1007])
    } finally {
      await server.stop()
    }
  })

  it("a text frame over maxMessageSize fails the connection (1009)", async () => {
    const server = await startCodecServer({ maxMessageSize: 1000 })
    try {
      const client = await Hixie76Client.connect(server.port)
      await client.until("text")
      client.send("y".repeat(1000))
      expect((await client.until("text")).at(-1)).toMatchObject({ type: "text", text: "echo:" + "y".repeat(1000) })
      client.sendRaw(clientText("z".repeat(1001)))
      expect((await client.until("end")).map((e) => e.type)).toEqual(["end"])
      expect(server.log.errors.map((e) => e.code)).toEqual([1009])
    } finally {
      await server.stop()
    }
  })
})
