/**
 * A TCP proxy in front of a server that reads every frame the server sends (after the 101) with
 * the independent reader of `@wspipe/test-frames`: how the interop tests prove that what a real
 * client received was compressed (RSV1 set, RFC 7692 §6) — a browser's page cannot see it.
 */
import * as Net from "node:net"
import { FrameReader, Rsv } from "@wspipe/test-frames"

/** What the tap saw on one connection. */
export interface Tapped {
  /** The server's `Sec-WebSocket-Extensions` answer, or "" for none. */
  extensions: string
  /** Every data frame (not continuations, not control frames): its RSV1 bit and payload size. */
  readonly frames: Array<{ readonly compressed: boolean; readonly opcode: number; readonly size: number }>
  /** RFC 6455 violations the reader found (must stay empty). */
  readonly violations: Array<string>
}

export interface WireTap {
  /** `ws://127.0.0.1:PORT/` of the proxy. */
  readonly url: string
  readonly connections: Array<Tapped>
  close(): Promise<void>
}

/** Starts a tap in front of `target` (`ws://host:port/`). */
export const startWireTap = async (target: string): Promise<WireTap> => {
  const { hostname, port } = new URL(target)
  const connections: Array<Tapped> = []
  const sockets = new Set<Net.Socket>()
  const server = Net.createServer((client) => {
    const upstream = Net.connect(Number(port), hostname)
    sockets.add(client).add(upstream)
    const tapped: Tapped = { extensions: "", frames: [], violations: [] }
    connections.push(tapped)
    const reader = new FrameReader({ allowedRsv: Rsv.Rsv1 })
    let head = ""
    let upgraded = false
    upstream.on("data", (chunk: Buffer) => {
      client.write(chunk)
      let rest: Buffer = chunk
      if (!upgraded) {
        head += chunk.toString("latin1")
        const end = head.indexOf("\r\n\r\n")
        if (end < 0) return
        upgraded = true
        const match = /^sec-websocket-extensions:\s*(.*)$/im.exec(head.slice(0, end))
        tapped.extensions = match?.[1]?.trim() ?? ""
        rest = chunk.subarray(chunk.length - (head.length - end - 4))
      }
      for (const f of reader.push(rest)) {
        if (f.opcode === 1 || f.opcode === 2)
          tapped.frames.push({ compressed: (f.rsv & Rsv.Rsv1) !== 0, opcode: f.opcode, size: f.payload.length })
      }
      tapped.violations.splice(0, tapped.violations.length, ...reader.violations)
    })
    client.on("data", (chunk) => upstream.write(chunk))
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on("close", end).on("error", end)
    upstream.on("close", end).on("error", end)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `ws://127.0.0.1:${(server.address() as Net.AddressInfo).port}/`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
