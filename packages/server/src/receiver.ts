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

/** One connection's decoder state. */
interface Decoder extends FrameSink {
  readonly conn: Connection
  readonly parser: FrameParser
  /** A Close was received or sent for a protocol error: further bytes are ignored (§5.5.1). */
  closed: boolean
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
  stats?: Stats
): Effect.Effect<never> =>
  Effect.gen(function*() {
    const decoders = new Map<number, Decoder>()
    let events: Array<Event.Event> = []
    let controls: Array<Control.Control> = []

    const makeDecoder = (input: SocketInput.Attach): Decoder => {
      const decoder: Decoder = {
        conn: input.conn,
        closed: false,
        parser: undefined as unknown as FrameParser,
        onMessage(kind: MessageKind, data: Uint8Array) {
          events.push(Event.Message(decoder.conn, kind, data))
        },
        onPing(data: Uint8Array) {
          controls.push(Control.Pong(decoder.conn, data))
        },
        onPong() {
          // Unsolicited or answering our ping: either way it only proves the peer is alive,
          // which the socket receiver's byte count already shows (§5.5.3).
        },
        onClose(code: number, reason: string) {
          decoder.closed = true
          controls.push(Control.PeerClose(decoder.conn, code, reason))
          events.push(Event.Closed(decoder.conn, code, reason))
        }
      }
      ;(decoder as { parser: FrameParser }).parser = new FrameParser(decoder, {
        role: "server",
        maxFrameSize: input.options.maxFrameSize,
        maxMessageSize: input.options.maxMessageSize,
        allowedRsv: input.options.allowedRsv
      })
      return decoder
    }

    const feed = (decoder: Decoder, bytes: Uint8Array): void => {
      if (decoder.closed || bytes.byteLength === 0) return
      const error = decoder.parser.push(bytes)
      if (error !== undefined && !decoder.closed) {
        // RFC 6455 §7.1.7: fail the connection: send Close with the code, then end TCP.
        decoder.closed = true
        controls.push(Control.Fail(decoder.conn, error.code, error.reason))
        events.push(Event.Closed(decoder.conn, error.code, error.reason))
      }
    }

    const ended = (conn: Connection): void => {
      const decoder = decoders.get(conn.id)
      if (decoder === undefined) return
      decoders.delete(conn.id)
      // TCP ended without a Close frame: abnormal closure, 1006 (RFC 6455 §7.1.5).
      if (!decoder.closed) events.push(Event.Closed(conn, 1006, ""))
      controls.push(Control.Gone(conn))
    }

    while (true) {
      const batch = yield* Queue.takeAll(inbox)
      let bytesIn = 0
      for (let i = 0; i < batch.length; i++) {
        const input = batch[i]!
        switch (input._tag) {
          case "Attach": {
            const decoder = makeDecoder(input)
            decoders.set(input.conn.id, decoder)
            events.push(Event.Open(input.conn, input.data))
            feed(decoder, input.rest)
            break
          }
          case "Chunk": {
            const decoder = decoders.get(input.conn.id)
            bytesIn += input.bytes.byteLength
            if (decoder !== undefined) feed(decoder, input.bytes)
            break
          }
          case "Eof":
          case "SocketError":
            ended(input.conn)
            break
        }
      }
      if (stats !== undefined) stats.received(bytesIn, events)
      // Hand over the arrays and start new ones: offerAll may keep them while it waits.
      if (events.length > 0) {
        const out = events
        events = []
        yield* Queue.offerAll(handler, out)
      }
      if (controls.length > 0) {
        const out = controls
        controls = []
        yield* Queue.offerAll(sender, out)
      }
    }
  })
