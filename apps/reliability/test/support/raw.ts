/**
 * Byte-level WebSocket peer for misbehaving clients: a raw `net` socket that does the opening
 * handshake by hand and records the server's frames. Requests and frames come from
 * @wspipe/test-frames, not from @wspipe/codec, so the code under test does not check itself.
 */
import * as Net from "node:net"
import { closeCodeOf, FrameReader, upgradeRequest, type ReadFrame } from "@wspipe/test-frames"
import { waitFor } from "./wait.js"

/** A raw client: the socket, everything received, and promises for the HTTP head and the end. */
export interface Raw {
  readonly socket: Net.Socket
  /** Bytes before the end of the HTTP response head. */
  head: string
  /** The server's frames after the head, in order. */
  readonly frames: Array<ReadFrame>
  /** The code of the Close frame, once one arrived (1005 when it carried none). */
  closeCode(): number | undefined
  /** Resolves when the socket is fully closed (both directions, or destroyed). */
  readonly closed: Promise<void>
  /** Resolves on the first 'end' (FIN from the server). */
  readonly ended: Promise<void>
}

/** Connects and sends `request` (or nothing); collects the response head and frames after it. */
export const rawConnect = (port: number, request?: string): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true })
    const reader = new FrameReader()
    let headDone = false
    let pre = Buffer.alloc(0)
    const raw: Raw = {
      socket,
      head: "",
      frames: [],
      closeCode: () => closeCodeOf(raw.frames),
      closed: new Promise((r) => socket.once("close", () => r())),
      ended: new Promise((r) => socket.once("end", () => r()))
    }
    const onFrames = (chunk: Buffer) => void raw.frames.push(...reader.push(chunk))
    socket.on("data", (chunk: Buffer) => {
      if (headDone) return onFrames(chunk)
      pre = Buffer.concat([pre, chunk])
      const end = pre.indexOf("\r\n\r\n")
      if (end < 0) return
      headDone = true
      raw.head = pre.subarray(0, end + 4).toString("latin1")
      if (pre.length > end + 4) onFrames(pre.subarray(end + 4))
    })
    socket.on("error", () => {})
    socket.once("connect", () => {
      if (request !== undefined) socket.write(request)
      resolve(raw)
    })
    socket.once("error", reject)
  })

/** Connects, upgrades, and waits for the 101. */
export const rawUpgrade = async (port: number, path = "/"): Promise<Raw> => {
  const raw = await rawConnect(port, upgradeRequest({ path }))
  await waitFor(() => raw.head !== "", 5_000, "the 101 response")
  if (!raw.head.startsWith("HTTP/1.1 101")) throw new Error(`upgrade refused: ${raw.head}`)
  return raw
}
