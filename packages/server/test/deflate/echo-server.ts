/**
 * A tiny permessage-deflate echo server for tests and benches: the codec's handshake, negotiation,
 * frame parser and encoder over `node:net`, with the deflate engine. Every message comes back,
 * compressed per the agreement and threshold; pending (sliced) results are sent when they arrive.
 */
import * as net from "node:net"
import { Encoder, Extension, Handshake, Http, Opcode, Parser, PermessageDeflate } from "@wspipe/codec"
import { DeflateEngine, InflateError, Pending, type EngineOptions, type InflateResult } from "../../src/deflate/index.js"

export interface Echo {
  readonly port: number
  /** The Sec-WebSocket-Extensions answers given. */
  readonly answers: Array<string | undefined>
  /** RSV1 of every data frame received. */
  readonly rsv: Array<number>
  readonly engine: DeflateEngine
  close(): Promise<void>
}

/** An echo server: every message comes back, compressed per the agreement and threshold. */
export const echoServer = (
  options: PermessageDeflate.Options,
  maxMessageSize = 1 << 24,
  engineOptions: EngineOptions = {}
): Promise<Echo> => {
  const engine = new DeflateEngine(engineOptions)
  const ext = PermessageDeflate.extension(options)
  const answers: Array<string | undefined> = []
  const rsvs: Array<number> = []
  const server = net.createServer((socket) => {
    const head = new Http.RequestHeadParser()
    let parser: Parser.FrameParser | undefined
    socket.on("data", (chunk: Buffer) => {
      if (parser !== undefined) {
        parser.push(chunk)
        return
      }
      const r = head.push(chunk)
      if (r === undefined || !("head" in r)) return
      const req = Handshake.validateUpgrade(r.head)
      if (!("key" in req)) return socket.destroy()
      const negotiated = Extension.negotiate(req.extensions, [ext])
      answers.push(negotiated.header)
      socket.write(Handshake.acceptResponse({ key: req.key, extensions: negotiated.header }))
      const agreement = PermessageDeflate.agreement(negotiated)
      const opcode = (kind: Opcode.MessageKind) => (kind === "text" ? Opcode.Text : Opcode.Binary)
      // Header and payload written apart: a big payload is not copied (as the sender does).
      const send = (kind: Opcode.MessageKind, data: Uint8Array, payload: Uint8Array | undefined) => {
        const body = payload ?? data
        socket.cork()
        socket.write(Encoder.header(opcode(kind), body.length, { rsv: payload === undefined ? 0 : 0x40 }))
        socket.write(body)
        socket.uncork()
      }
      const tx = agreement && engine.deflater<[Opcode.MessageKind, Uint8Array]>(agreement, ([kind, data], p) => send(kind, data, p))
      const echo = (kind: Opcode.MessageKind, r: InflateResult) => {
        if (r instanceof InflateError) return socket.end(Encoder.frame(Opcode.Close, Uint8Array.of(r.code >> 8, r.code & 255)))
        if (tx === undefined) return send(kind, r, undefined)
        const p = tx.compress(r, [kind, r])
        if (p !== Pending) send(kind, r, p)
      }
      const rx = agreement && engine.inflater(agreement.inflate, { maxMessageSize }, echo)
      parser = new Parser.FrameParser(
        {
          onMessage: (kind, data, rsv) => {
            rsvs.push(rsv)
            // Socket chunks are not reused, so `data` (possibly a view of one) stays valid.
            if (rx === undefined) return echo(kind, data)
            const r = rx.message(kind, data, (rsv & PermessageDeflate.RSV1) !== 0)
            if (r !== Pending) echo(kind, r)
          },
          onPing: () => {},
          onPong: () => {},
          onClose: () => {
            rx?.close()
            tx?.close()
            socket.end(Encoder.frame(Opcode.Close, new Uint8Array(0)))
          }
        },
        { role: "server", allowedRsv: negotiated.rsv, maxMessageSize, maxFrameSize: maxMessageSize }
      )
      if (r.rest.length > 0) parser.push(r.rest)
    })
    socket.on("error", () => {})
  })
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        answers,
        rsv: rsvs,
        engine,
        close: () => new Promise((r) => server.close(() => r()))
      })
    })
  })
}
