/**
 * The receiver (one for all connections): owns every connection's frame decoder. It turns chunks
 * into events for the handler and answers Pings itself (RFC 6455 §5.5.2, a Pong straight to the
 * sender). A connection's ending — the peer's Close, a protocol error, the end of TCP — goes to
 * the handler as its `Closed` event, followed in band by an `Ending` that reaches the sender
 * behind the handler's replies (see `Inbox`); the sender then sends the Close reply.
 */
import { Effect, Queue } from "effect"
import { record } from "../connection/connection.js"
import * as Event from "../messages/event.js"
import type * as RuntimeMessage from "../messages/runtime-message.js"
import type * as SocketInput from "../messages/socket-input.js"
import { type Decoder, type DecoderContext, Hixie76Decoder, type Outputs, Rfc6455Decoder } from "./receiver/decoders.js"
import { ParserPools } from "./receiver/parser-pool.js"
import type { Recorder } from "../runtime/recorder.js"

/** A receiver without compression; nothing comes back later. */
const ALONE: DecoderContext = { deflate: undefined, later: () => {} }

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
  recorder?: Recorder,
  context: DecoderContext = ALONE
): Effect.Effect<never> => {
  // State lives outside the fiber body: if the supervisor restarts the body, connections keep
  // their decoders.
  const decoders = new Map<number, Decoder>()
  const parsers = new ParserPools()
  /** Chunks whose credit waits for their connection's inflater (see "Later"). */
  const held = new Map<number, Array<SocketInput.Chunk>>()
  const out: Outputs = { events: [], pongs: [] }
  /**
   * The connection's ending is reported (a Close, a protocol error): its decoder goes now, not at
   * the end of TCP, and the record says so, so its socket receiver does not report that end at
   * all (a side path, docs/design-decisions.md): the Eof would only have produced a second
   * ending (`Gone`) for the handler and the sender to pass on and ignore, three fiber wake-ups per
   * connection for nothing. Credit held for it no longer matters either.
   */
  const forget = (conn: SocketInput.Chunk["conn"]): void => {
    decoders.delete(conn.id)
    held.delete(conn.id)
    const rec = record(conn)
    if ("inputEnded" in rec) rec.inputEnded = true
  }

  return Effect.gen(function* () {
    while (true) {
      const batch = yield* Queue.takeAll(inbox)
      let bytesIn = 0
      for (let i = 0; i < batch.length; i++) {
        const input = batch[i]!
        switch (input._tag) {
          case "Attach": {
            const decoder: Decoder =
              input.options.variant === "hixie76"
                ? new Hixie76Decoder(input.conn, out, input.options)
                : new Rfc6455Decoder(input.conn, out, input.options, context, parsers)
            decoders.set(input.conn.id, decoder)
            out.events.push(Event.Open(input.conn, input.data, input.request))
            decoder.feed(input.rest)
            if (decoder.closed) forget(input.conn)
            break
          }
          case "Chunk": {
            const decoder = decoders.get(input.conn.id)
            bytesIn += input.bytes.byteLength
            if (decoder !== undefined) {
              decoder.feed(input.bytes)
              if (decoder.closed) forget(input.conn)
            }
            // While its inflater holds messages, a connection's bytes count against its credit:
            // one client's compressed messages cannot pile up without bound (maxInflightBytes).
            if (decoder?.holding !== true) input.credit?.release(input.bytes.byteLength)
            else {
              const chunks = held.get(input.conn.id)
              if (chunks === undefined) held.set(input.conn.id, [input])
              else chunks.push(input)
            }
            break
          }
          case "Later": {
            input.run()
            if (decoders.get(input.conn.id)?.closed === true) forget(input.conn)
            const chunks = held.get(input.conn.id)
            if (chunks !== undefined && decoders.get(input.conn.id)?.holding !== true) {
              held.delete(input.conn.id)
              for (const c of chunks) c.credit?.release(c.bytes.byteLength)
            }
            break
          }
          case "Eof":
          case "SocketError": {
            const decoder = decoders.get(input.conn.id)
            if (decoder === undefined) break
            decoders.delete(input.conn.id)
            decoder.end()
            // The socket is gone: its held credit no longer matters.
            held.delete(input.conn.id)
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
