/**
 * docs/compression.md's example runs: the tuned parameters are what a `ws` client (which offers
 * `permessage-deflate; client_max_window_bits`, as browsers do) gets back, messages echo over the
 * takeover contexts, and the hook turns compression off on `/raw`.
 */
import { describe, expect, it } from "vitest"
import WebSocket from "ws"
import { echo, options } from "../examples/compression.js"
import { listen } from "./support/guides.js"

/** Opens a `ws` client, sends `messages`, resolves with the server's `Sec-WebSocket-Extensions` and the echoes. */
const exchange = (url: string, messages: ReadonlyArray<string>): Promise<{ extensions: string; echoes: Array<string> }> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const echoes: Array<string> = []
    let extensions = ""
    ws.on("upgrade", (response) => (extensions = response.headers["sec-websocket-extensions"] ?? ""))
    ws.on("open", () => {
      for (const m of messages) ws.send(m)
    })
    ws.on("message", (data) => {
      echoes.push(String(data))
      if (echoes.length === messages.length) {
        resolve({ extensions, echoes })
        ws.close(1000)
      }
    })
    ws.on("error", reject)
  })

describe("compression.md", () => {
  // Similar JSON lines, over the 64-byte threshold: with takeover each one compresses against the last.
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ type: "price", symbol: "ACME", bid: 100 + i, ask: 101 + i, seq: i }))

  it("agrees takeover with 11-bit windows, and echoes through the kept contexts", async () => {
    const url = await listen(echo, options)
    const { extensions, echoes } = await exchange(`${url}/`, lines)
    expect(extensions).toBe("permessage-deflate; server_max_window_bits=11; client_max_window_bits=11")
    expect(echoes).toEqual(lines)
  })

  it("leaves compression off for clients on /raw (the handshake hook)", async () => {
    const url = await listen(echo, options)
    const { extensions, echoes } = await exchange(`${url}/raw`, lines)
    expect(extensions).toBe("")
    expect(echoes).toEqual(lines)
  })
})
