/**
 * Proof of our draft-76 test client against an independent implementation: websocket-driver
 * 0.8.0's draft-76 server (lib/websocket/driver/draft76.js), over real TCP. If the client
 * mis-built keys, mis-computed the expected answer or mis-framed text, these would fail; the
 * same scenarios then run against our codec (codec-socket.test.ts).
 */
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { Hixie76Client } from "./support/client.js"
import { socketScenarios } from "./support/scenarios.js"
import { startDriverServer } from "./support/servers.js"

describe("test client vs websocket-driver's draft-76 server", () => {
  socketScenarios(() => startDriverServer())

  it("checks a subprotocol the server echoes", async () => {
    const server = await startDriverServer({ protocol: "chat" })
    try {
      const client = await Hixie76Client.connect(server.port, { protocol: "chat" })
      expect(client.response.headers["sec-websocket-protocol"]).toBe("chat")
      client.close()
      await client.until("end")
      // The same server answers "chat" to a client that asked for another: the client refuses.
      await expect(Hixie76Client.connect(server.port, { protocol: "other" })).rejects.toThrow("Sec-WebSocket-Protocol")
    } finally {
      await server.stop()
    }
  })
})

describe("the test client's own checks can fail", () => {
  /** A fake server that answers with a good head but a wrong 16-byte answer. */
  it("rejects a wrong challenge answer", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", (chunk: Buffer) => {
        const head = chunk.toString("latin1")
        const host = /\r\nHost: ([^\r]*)/.exec(head)![1]
        const origin = /\r\nOrigin: ([^\r]*)/.exec(head)![1]
        socket.write(
          "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Origin: ${origin}\r\nSec-WebSocket-Location: ws://${host}/\r\n\r\n` +
            "0123456789abcdef"
        )
      })
      socket.on("error", () => {})
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      await expect(Hixie76Client.connect((server.address() as AddressInfo).port)).rejects.toThrow("wrong challenge answer")
    } finally {
      await new Promise((r) => server.close(r))
    }
  })
})
