/**
 * The receiver (one for all connections): owns every connection's frame decoder. It turns chunks
 * into events for the handler and answers control frames itself (RFC 6455 §5.5): pings are
 * ponged, a Close is echoed, protocol errors close the connection with the codec's code.
 */
import { FrameParser, type FrameSink, type MessageKind } from "@wspipe/codec"
import { Effect, Queue } from "effect"
import type { Connection } from "./connection.js"
import * as Control from "./control.js"
import * as Event from "./event.js"
import type * as SocketInput from "./socket-input.js"
import type { Stats } from "./stats.js"

/** The position an ending must wait for: every event of this batch so far, and all before. */
const mark = (out: Outputs): number => out.offered + out.events.length

/** Where a batch's results go; the receiver empties them after each batch. */
interface Outputs {
  events: Array<Event.Event>
  controls: Array<Control.Control>
  /** Events given to the handler in earlier batches (for endings' marks). */
  offered: number
}

/** One connection's decoder: its frame parser, and the sink that turns frames into outputs. */
class Decoder implements FrameSink {
  readonly parser: FrameParser
  /** A Close was received or sent for a protocol error: further bytes are ignored (§5.5.1). */
  closed = false

  constructor(readonly conn: Connection, private readonly out: Outputs, options: SocketInput.DecoderOptions) {
    this.parser = new FrameParser(this, {
      role: "server",
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      allowedRsv: options.allowedRsv
    })
  }
  onMessage(kind: MessageKind, data: Uint8Array): void {
    this.out.events.push(Event.Message(this.conn, kind, data))
  }
  onPing(data: Uint8Array): void {
    this.out.controls.push(Control.Pong(this.conn, data))
  }
  onPong(): void {
    // Unsolicited, or the answer to our idle ping: either way it only proves the peer is alive,
    // which the socket receiver's byte count already records (§5.5.3).
  }
  onClose(code: number, reason: string): void {
    this.closed = true
    this.out.events.push(Event.Closed(this.conn, code, reason))
    this.out.controls.push(Control.PeerClose(this.conn, code, reason, mark(this.out)))
  }
  /** Feeds bytes; on a protocol error fails the connection (§7.1.7: Close with the code, end TCP). */
  feed(bytes: Uint8Array): void {
    if (this.closed || bytes.byteLength === 0) return
    const error = this.parser.push(bytes)
    if (error !== undefined && !this.closed) {
      this.closed = true
      this.out.events.push(Event.Closed(this.conn, error.code, error.reason))
      this.out.controls.push(Control.Fail(this.conn, error.code, error.reason, mark(this.out)))
    }
  }
}

/**
 * Runs the receiver: takes everything queued, decodes it in one synchronous pass, then offers the
 * resulting events and control replies in one call each (DESIGN §5: batch at every stage).
 *
 * @example
 * ```ts
 * yield* Effect.forkScoped(receiver(receiverInbox, handlerInbox, senderInbox))
 * ```
 */
export const receiver = (
  inbox: Queue.Dequeue<SocketInput.SocketInput>,
  handler: Queue.Enqueue<Event.Event>,
  sender: Queue.Enqueue<Control.Control>,
  stats?: Stats,
  progress?: Control.HandlerProgress
): Effect.Effect<never> => {
  // State lives outside the fiber body: if the supervisor restarts the body, connections keep
  // their decoders.
  const decoders = new Map<number, Decoder>()
  const out: Outputs = { events: [], controls: [], offered: 0 }

  const ended = (conn: Connection): void => {
    const decoder = decoders.get(conn.id)
    if (decoder === undefined) return
    decoders.delete(conn.id)
    // TCP ended without a Close frame: abnormal closure, 1006 (RFC 6455 §7.1.5).
    if (!decoder.closed) out.events.push(Event.Closed(conn, 1006, ""))
    out.controls.push(Control.Gone(conn, mark(out)))
  }

  return Effect.gen(function*() {
    while (true) {
      const batch = yield* Queue.takeAll(inbox)
      let bytesIn = 0
      for (let i = 0; i < batch.length; i++) {
        const input = batch[i]!
        switch (input._tag) {
          case "Attach": {
            const decoder = new Decoder(input.conn, out, input.options)
            decoders.set(input.conn.id, decoder)
            out.events.push(Event.Open(input.conn, input.data, input.request))
            decoder.feed(input.rest)
            break
          }
          case "Chunk": {
            const decoder = decoders.get(input.conn.id)
            bytesIn += input.bytes.byteLength
            if (decoder !== undefined) decoder.feed(input.bytes)
            input.credit?.release(input.bytes.byteLength)
            break
          }
          case "Eof":
          case "SocketError":
            ended(input.conn)
            break
        }
      }
      const { events, controls } = out
      if (stats !== undefined) stats.received(bytesIn, events)
      // Hand over the arrays and start new ones: offerAll may keep them while it waits.
      out.events = []
      out.controls = []
      out.offered += events.length
      if (progress !== undefined) progress.offered = out.offered
      if (events.length > 0) yield* Queue.offerAll(handler, events)
      if (controls.length > 0) yield* Queue.offerAll(sender, controls)
    }
  })
}
