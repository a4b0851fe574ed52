/**
 * The receiver (one for all connections): owns every connection's frame decoder. It turns chunks
 * into events for the handler and answers Pings itself (RFC 6455 §5.5.2, a Pong straight to the
 * sender). A connection's ending — the peer's Close, a protocol error, the end of TCP — goes to
 * the handler as its `Closed` event, followed in band by an `Ending` that reaches the sender
 * behind the handler's replies (see `Inbox`); the sender then sends the Close reply.
 */
import { Hixie76, type Opcode, Parser } from "@wspipe/codec"
import { Effect, Queue } from "effect"
import { type Connection, record } from "../connection/connection.js"
import * as Event from "../messages/event.js"
import * as RuntimeMessage from "../messages/runtime-message.js"
import type * as SocketInput from "../messages/socket-input.js"
import type { Recorder } from "../runtime/recorder.js"

/** What one batch produced: for the handler (events, endings in band) and for the sender (Pongs). */
interface Outputs {
  events: Array<Event.Event | RuntimeMessage.Ending>
  pongs: Array<RuntimeMessage.RuntimeMessage>
}

/** What the receiver asks of a connection's decoder, whatever its protocol. */
interface Decoder {
  /** Feeds bytes; a protocol error fails the connection (§7.1.7: Close with the code, end TCP). */
  feed(bytes: Uint8Array): void
  /** TCP ended. */
  end(): void
}

/** The end of TCP: without a Close frame that is 1006 (§7.1.5), unless the server was closing it. */
const reportEnd = (conn: Connection, out: Outputs, closed: boolean): void => {
  if (!closed) {
    const closing = record(conn).closing
    out.events.push(closing === undefined
      ? Event.Closed(conn, 1006, "", "transport")
      : Event.Closed(conn, closing.code, closing.reason, closing.origin))
  }
  out.events.push(RuntimeMessage.Gone(conn))
}

/** An RFC 6455 connection's decoder: its frame parser, and the sink that turns frames into outputs. */
class Rfc6455Decoder implements Parser.Sink, Decoder {
  readonly parser: Parser.FrameParser
  /** A Close was received or a protocol error found: further bytes are ignored (§5.5.1). */
  closed = false

  constructor(readonly conn: Connection, private readonly out: Outputs, options: SocketInput.DecoderOptions) {
    this.parser = new Parser.FrameParser(this, {
      role: "server",
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      allowedRsv: options.allowedRsv
    })
  }
  onMessage(kind: Opcode.MessageKind, data: Uint8Array): void {
    this.out.events.push(Event.Message(this.conn, kind, data))
  }
  onPing(data: Uint8Array): void {
    this.out.pongs.push(RuntimeMessage.Pong(this.conn, data))
  }
  onPong(): void {
    // Unsolicited, or the answer to our idle ping: either way it only proves the peer is alive,
    // which the socket receiver's byte count already records (§5.5.3).
  }
  onClose(code: number, reason: string): void {
    this.closed = true
    // The server's own Close may have come first (a handler's close, idle, shutdown): then this is
    // the peer's answer, and the ending's origin is the server's.
    const origin = record(this.conn).closing?.origin ?? "peer"
    this.out.events.push(Event.Closed(this.conn, code, reason, origin), RuntimeMessage.PeerClose(this.conn, code))
  }
  feed(bytes: Uint8Array): void {
    if (this.closed || bytes.byteLength === 0) return
    const error = this.parser.push(bytes)
    if (error !== undefined && !this.closed) {
      this.closed = true
      this.out.events.push(
        Event.Closed(this.conn, error.code, error.reason, "protocol"),
        RuntimeMessage.Fail(this.conn, error.code, error.reason)
      )
    }
  }
  end(): void {
    reportEnd(this.conn, this.out, this.closed)
  }
}

/**
 * A draft-hixie-76 connection's decoder. The draft's closing handshake carries no code: the
 * handler sees 1005 ("no status", as for an RFC 6455 Close without one), or the server's own
 * code when the peer answers a close the server started. Its errors carry the RFC
 * 6455 code the handler sees (1002, 1007, 1009), so both protocols speak one vocabulary.
 */
class Hixie76Decoder implements Hixie76.FrameSink, Decoder {
  private readonly parser: Hixie76.FrameParser
  private closed = false

  constructor(readonly conn: Connection, private readonly out: Outputs, options: SocketInput.DecoderOptions) {
    this.parser = new Hixie76.FrameParser(this, { maxMessageSize: options.maxMessageSize })
  }
  onMessage(kind: "text", data: Uint8Array): void {
    this.out.events.push(Event.Message(this.conn, kind, data))
  }
  onClose(): void {
    this.closed = true
    // The peer's close has no code; when it answers ours, the handler sees the code we closed with.
    const closing = record(this.conn).closing
    this.out.events.push(
      closing === undefined ? Event.Closed(this.conn, 1005, "", "peer") : Event.Closed(this.conn, closing.code, closing.reason, closing.origin),
      RuntimeMessage.PeerClose(this.conn, 1005)
    )
  }
  feed(bytes: Uint8Array): void {
    if (this.closed || bytes.byteLength === 0) return
    const error = this.parser.push(bytes)
    if (error !== undefined && !this.closed) {
      this.closed = true
      this.out.events.push(
        Event.Closed(this.conn, error.code, error.reason, "protocol"),
        RuntimeMessage.Fail(this.conn, error.code, error.reason)
      )
    }
  }
  end(): void {
    reportEnd(this.conn, this.out, this.closed)
  }
}

/**
 * Runs the receiver: takes everything queued, decodes it in one synchronous pass, then offers the
 * resulting events and Pongs in one call each (batch at every stage).
 *
 * @example
 * ```ts
 * import { Effect, Queue } from "effect"
 * import { receiver, type RuntimeMessage, type SocketInput } from "@wspipe/server/internal"
 * import type { Event } from "@wspipe/server"
 *
 * const program = Effect.gen(function*() {
 *   const input = yield* Queue.bounded<SocketInput.SocketInput>(1024)
 *   const events = yield* Queue.bounded<Event.Event | RuntimeMessage.Ending>(4096)
 *   const sender = yield* Queue.bounded<RuntimeMessage.RuntimeMessage>(4096)
 *   yield* Effect.forkScoped(receiver(input, events, sender))
 * })
 * ```
 */
export const receiver = (
  inbox: Queue.Dequeue<SocketInput.SocketInput>,
  handler: Queue.Enqueue<Event.Event | RuntimeMessage.Ending>,
  sender: Queue.Enqueue<RuntimeMessage.RuntimeMessage>,
  recorder?: Recorder
): Effect.Effect<never> => {
  // State lives outside the fiber body: if the supervisor restarts the body, connections keep
  // their decoders.
  const decoders = new Map<number, Decoder>()
  const out: Outputs = { events: [], pongs: [] }

  return Effect.gen(function*() {
    while (true) {
      const batch = yield* Queue.takeAll(inbox)
      let bytesIn = 0
      for (let i = 0; i < batch.length; i++) {
        const input = batch[i]!
        switch (input._tag) {
          case "Attach": {
            const decoder: Decoder = input.options.variant === "hixie76"
              ? new Hixie76Decoder(input.conn, out, input.options)
              : new Rfc6455Decoder(input.conn, out, input.options)
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
          case "SocketError": {
            const decoder = decoders.get(input.conn.id)
            if (decoder === undefined) break
            decoders.delete(input.conn.id)
            decoder.end()
            break
          }
        }
      }
      const { events, pongs } = out
      if (recorder !== undefined) recorder.received(bytesIn, events)
      // Hand over the arrays and start new ones: offerAll may keep them while it waits.
      out.events = []
      out.pongs = []
      if (events.length > 0) yield* Queue.offerAll(handler, events)
      if (pongs.length > 0) yield* Queue.offerAll(sender, pongs)
    }
  })
}
