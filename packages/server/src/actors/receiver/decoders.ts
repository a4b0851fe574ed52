/**
 * The receiver's per-connection decoders, one per wire protocol: RFC 6455 (with permessage-deflate
 * when negotiated) and draft-hixie-76. Each turns bytes into events for the handler — a
 * connection's ending right behind its `Closed` event — and Pings into Pongs for the sender.
 */
import { Hixie76, type Opcode, type Parser, PermessageDeflate } from "@wspipe/codec"
import { type Connection, record } from "../../connection/connection.js"
import type { DeflateEngine } from "../../deflate/engine.js"
import { InflateError, Pending } from "../../deflate/errors.js"
import type { MessageInflater } from "../../deflate/inflater.js"
import * as Event from "../../messages/event.js"
import * as RuntimeMessage from "../../messages/runtime-message.js"
import type * as SocketInput from "../../messages/socket-input.js"
import type { ParserPool, ParserPools } from "./parser-pool.js"

/** What one batch produced: for the handler (events, endings in band) and for the sender (Pongs). */
export interface Outputs {
  events: Array<Event.Event | RuntimeMessage.Ending>
  pongs: Array<RuntimeMessage.RuntimeMessage>
}

/** What the receiver asks of a connection's decoder, whatever its protocol. */
/**
 * What a decoder needs from the receiver beyond its outputs: the server's deflate engine, and a
 * way back into the receiver's inbox for work that finishes later (a big message inflated in
 * slices): the receiver runs it in its loop, in inbox order, like any input.
 */
export interface DecoderContext {
  readonly deflate: DeflateEngine | undefined
  readonly later: (conn: Connection, run: () => void) => void
}

export interface Decoder {
  /** Feeds bytes; a protocol error fails the connection (§7.1.7: Close with the code, end TCP). */
  feed(bytes: Uint8Array): void
  /** TCP ended. */
  end(): void
  /** While true, the connection's credit is not given back (its inflater holds messages). */
  readonly holding: boolean
  /**
   * The connection's ending (Closed and its Ending) has been reported: a Close came, or a
   * protocol error. Its later bytes are ignored and its end of TCP adds nothing (one ending per
   * connection), so the receiver forgets the decoder at once.
   */
  readonly closed: boolean
}

/** The end of TCP: without a Close frame that is 1006 (§7.1.5), unless the server was closing it. */
const reportEnd = (conn: Connection, out: Outputs, closed: boolean): void => {
  if (!closed) {
    const closing = record(conn).closing
    out.events.push(
      closing === undefined ? Event.Closed(conn, 1006, "", "transport") : Event.Closed(conn, closing.code, closing.reason, closing.origin)
    )
  }
  out.events.push(RuntimeMessage.Gone(conn))
}

/**
 * An RFC 6455 connection's decoder: the sink that turns frames into outputs, with a frame parser
 * only while the connection is inside a frame or a message (see `ParserPool`).
 */
export class Rfc6455Decoder implements Parser.Sink, Decoder {
  /** The parser this connection keeps between chunks: mid-frame, or finished; else lent per chunk. */
  private parser: Parser.FrameParser | undefined = undefined
  /** A Close was received or a protocol error found: further bytes are ignored (§5.5.1). */
  closed = false
  /** permessage-deflate: inflates messages whose first frame has RSV1 (RFC 7692 §6). */
  private readonly rx: MessageInflater | undefined
  /** Where this connection's parsers come from (the pool of its limits). */
  private readonly parsers: ParserPool

  constructor(
    readonly conn: Connection,
    private readonly out: Outputs,
    options: SocketInput.DecoderOptions,
    private readonly context: DecoderContext,
    pools: ParserPools
  ) {
    // DEFLATE makes incompressible data a little bigger (5 bytes per stored block, RFC 1951
    // §3.2.4; zlib emits blocks of a few KiB: 0.03 % measured on random data from ws): a message
    // of the limit compressed by its client must still arrive (0.1 % + 1 KiB of slack).
    // The inflater then holds the inflated size to the limit; uncompressed messages are checked
    // against it below.
    const slack = options.deflate === undefined ? 0 : Math.ceil(options.maxMessageSize / 1024) + 1024
    this.parsers = pools.for(options.maxFrameSize, options.maxMessageSize, options.allowedRsv, slack)
    const engine = context.deflate
    this.rx =
      options.deflate === undefined || engine === undefined
        ? undefined
        : // A big message comes back when its last slice is done: through the receiver's inbox.
          engine.inflater(options.deflate.inflate, { maxMessageSize: options.maxMessageSize }, (kind, result) =>
            context.later(conn, () => this.deliver(kind, result))
          )
  }
  get holding(): boolean {
    return this.rx?.busy === true
  }
  onMessage(kind: Opcode.MessageKind, data: Uint8Array, rsv: number): void {
    if (this.rx === undefined) return void this.out.events.push(Event.Message(this.conn, kind, data))
    const compressed = (rsv & PermessageDeflate.RSV1) !== 0
    if (!compressed && data.byteLength > this.parsers.maxMessageSize)
      return this.afterPending(() => this.closed || this.fail(1009, "message too big"))
    const result = this.rx.message(kind, data, compressed)
    if (result !== Pending) this.deliver(kind, result)
  }
  /** An inflated message, or why it could not be: 1009 past the limit, 1007 corrupt or not UTF-8 (RFC 7692 §8). */
  private deliver(kind: Opcode.MessageKind, result: Uint8Array | InflateError): void {
    if (this.closed) return
    if (result instanceof InflateError) return this.fail(result.code, result.reason)
    this.out.events.push(Event.Message(this.conn, kind, result))
  }
  /**
   * Runs `report` after the messages still being inflated (a Close must follow them), through the
   * receiver's inbox when one is pending; at once otherwise.
   */
  private afterPending(report: () => void): void {
    if (this.rx === undefined || !this.rx.busy) return report()
    this.rx.defer(() => this.context.later(this.conn, report))
  }
  private fail(code: number, reason: string): void {
    this.closed = true
    this.rx?.close()
    this.out.events.push(Event.Closed(this.conn, code, reason, "protocol"), RuntimeMessage.Fail(this.conn, code, reason))
  }
  onPing(data: Uint8Array): void {
    this.out.pongs.push(RuntimeMessage.Pong(this.conn, data))
  }
  onPong(): void {
    // Unsolicited, or the answer to our idle ping: either way it only proves the peer is alive,
    // which the socket receiver's byte count already records (§5.5.3).
  }
  onClose(code: number, reason: string): void {
    this.afterPending(() => {
      if (this.closed) return
      this.closed = true
      this.rx?.close()
      // The server's own Close may have come first (a handler's close, idle, shutdown): then this
      // is the peer's answer, and the ending's origin is the server's.
      const origin = record(this.conn).closing?.origin ?? "peer"
      this.out.events.push(Event.Closed(this.conn, code, reason, origin), RuntimeMessage.PeerClose(this.conn, code))
    })
  }
  feed(bytes: Uint8Array): void {
    if (this.closed || bytes.byteLength === 0) return
    const parsers = this.parsers
    this.parser = parsers.push(this, this.parser, bytes)
    const error = parsers.error
    if (error !== undefined) this.afterPending(() => this.closed || this.fail(error.code, error.reason))
  }
  end(): void {
    this.afterPending(() => {
      this.rx?.close()
      reportEnd(this.conn, this.out, this.closed)
      this.closed = true
    })
  }
}

/**
 * A draft-hixie-76 connection's decoder. The draft's closing handshake carries no code: the
 * handler sees 1005 ("no status", as for an RFC 6455 Close without one), or the server's own
 * code when the peer answers a close the server started. Its errors carry the RFC
 * 6455 code the handler sees (1002, 1007, 1009), so both protocols speak one vocabulary.
 */
export class Hixie76Decoder implements Hixie76.FrameSink, Decoder {
  private readonly parser: Hixie76.FrameParser
  closed = false
  readonly holding = false

  constructor(
    readonly conn: Connection,
    private readonly out: Outputs,
    options: SocketInput.DecoderOptions
  ) {
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
      closing === undefined
        ? Event.Closed(this.conn, 1005, "", "peer")
        : Event.Closed(this.conn, closing.code, closing.reason, closing.origin),
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
