/**
 * Two draft-76 servers on 127.0.0.1:0 for the socket tests, with the same behaviour so one set of
 * scenarios runs against both: greet with "welcome" once open, echo each text as "echo:<text>",
 * start the closing handshake on the text "please close", answer the client's closing handshake
 * and end the TCP connection after it.
 * - `startDriverServer`: websocket-driver 0.8.0's draft-76 server (independent of our code).
 * - `startCodecServer`: our codec — RequestHeadParser, Hixie76.validateUpgrade, Key3Collector,
 *   acceptResponse, FrameParser and the encoder — on a bare `node:net` server.
 */
import * as http from "node:http"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import websocket from "websocket-driver"
import { HandshakeError, type ProtocolError } from "../../../src/errors.js"
import { rejectResponse } from "../../../src/handshake.js"
import { RequestHeadParser } from "../../../src/http.js"
import * as Hixie76 from "../../../src/hixie76/index.js"

export interface ServerLog {
  /** Texts the server received, in order. */
  readonly messages: string[]
  /** Closing handshakes seen by the server (the client's 0xFF 0x00, or its own close). */
  closes: number
  /** Protocol errors (our codec only). */
  readonly errors: ProtocolError[]
  /** Rejected handshakes (our codec only). */
  readonly rejected: HandshakeError[]
}

export interface TestServer {
  readonly name: string
  readonly port: number
  readonly log: ServerLog
  stop(): Promise<void>
}

const newLog = (): ServerLog => ({ messages: [], closes: 0, errors: [], rejected: [] })

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)))

/** Stops listening and drops connections still open (a failed test must not hang the run). */
const stopper = (server: net.Server, sockets: Set<net.Socket>) => (): Promise<void> =>
  new Promise((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  })

export const startDriverServer = async (options: { readonly protocol?: string } = {}): Promise<TestServer> => {
  const log = newLog()
  const sockets = new Set<net.Socket>()
  const server = http.createServer((_req, res) => res.writeHead(404).end())
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, body: Buffer) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    const driver = websocket.http(req, { allowDrafts: true })
    if (driver.version !== "hixie-76") return socket.destroy()
    if (options.protocol !== undefined) driver.setHeader("Sec-WebSocket-Protocol", options.protocol)
    driver.io.write(body)
    socket.pipe(driver.io).pipe(socket)
    driver.on("open", () => driver.text("welcome"))
    driver.messages.on("data", (message: string) => {
      log.messages.push(message)
      if (message === "please close") driver.close()
      else driver.text("echo:" + message)
    })
    driver.on("close", () => {
      log.closes++
      socket.end()
    })
    driver.start()
  })
  const port = await listen(server)
  return { name: "websocket-driver", port, log, stop: stopper(server, sockets) }
}

export const startCodecServer = async (
  options: { readonly maxMessageSize?: number; readonly acceptProtocol?: boolean } = {}
): Promise<TestServer> => {
  const log = newLog()
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    const heads = new RequestHeadParser()
    let key3: Hixie76.Key3Collector | undefined
    let request: Hixie76.UpgradeRequest | undefined
    let parser: Hixie76.FrameParser | undefined
    let sentClose = false
    const reject = (error: HandshakeError) => {
      log.rejected.push(error)
      socket.end(rejectResponse(error))
    }
    const frames = (bytes: Uint8Array) => {
      const error = parser!.push(bytes)
      if (error !== undefined) {
        log.errors.push(error)
        socket.destroy() // draft §6 has no way to tell the client why
      }
    }
    const collect = (bytes: Uint8Array) => {
      const done = key3!.push(bytes)
      if (done === undefined) return
      if (done instanceof HandshakeError) return reject(done)
      socket.write(Hixie76.acceptResponse({ request: request!, key3: done.key3, acceptProtocol: options.acceptProtocol }))
      parser = new Hixie76.FrameParser(
        {
          onMessage: (_kind, data) => {
            const text = Buffer.from(data).toString("utf8")
            log.messages.push(text)
            if (text === "please close") {
              sentClose = true
              socket.write(Hixie76.encodeClose())
            } else socket.write(Hixie76.encodeText("echo:" + text))
          },
          onClose: () => {
            log.closes++
            if (!sentClose) socket.write(Hixie76.encodeClose())
            socket.end()
          }
        },
        options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }
      )
      socket.write(Hixie76.encodeText("welcome"))
      if (done.rest.length > 0) frames(done.rest)
    }
    socket.on("data", (chunk: Buffer) => {
      if (parser !== undefined) return frames(chunk)
      if (key3 !== undefined) return collect(chunk)
      const r = heads.push(chunk)
      if (r === undefined) return
      if (r instanceof HandshakeError) return reject(r)
      if (!Hixie76.isHixie76Request(r.head)) return reject(new HandshakeError(400, "not a draft-76 request"))
      const v = Hixie76.validateUpgrade(r.head)
      if (v instanceof HandshakeError) return reject(v)
      request = v
      key3 = new Hixie76.Key3Collector()
      collect(r.rest)
    })
  })
  const port = await listen(server)
  return { name: "wspipe codec", port, log, stop: stopper(server, sockets) }
}
