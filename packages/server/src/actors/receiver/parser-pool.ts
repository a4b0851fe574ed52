/**
 * Frame parsers lent to a receiver's RFC 6455 connections for as long as each is inside a frame
 * or a fragmented message. Between two frames a parser holds nothing of its connection (the next
 * header sets every field of the frame it starts), so a connection whose chunk ended at a frame
 * boundary — every idle one, and most that send small messages — gives its parser back, and the
 * next chunk of any connection with the same limits borrows it.
 *
 * Why: a `FrameParser` is ~256 B with its array, the largest object an idle connection held
 * (docs/benchmarks.md, "Live heap per idle connection"); lent, an idle connection holds none, and
 * a busy receiver needs one parser at a time because it decodes one chunk at a time.
 *
 * The parsers of a pool call the pool as their sink; it passes each callback on to the decoder
 * whose bytes are being pushed. The receiver decodes synchronously and sinks never push (the
 * parser's own rule), so there is exactly one such decoder while a parser runs.
 */
import { type Opcode, Parser, type ProtocolError } from "@wspipe/codec"

/** Spare parsers kept per pool; a burst of connections finishing their frames frees the rest. */
const MAX_SPARES = 16

/** Stands for "no decoder" between pushes: a parser only calls its sink from `push`. */
const NOBODY: Parser.Sink = { onMessage: () => {}, onPing: () => {}, onPong: () => {}, onClose: () => {} }

export class ParserPool implements Parser.Sink {
  private readonly spares: Array<Parser.FrameParser> = []
  private current: Parser.Sink = NOBODY
  /** The parser being pushed decoded a Close: it stops there, so it is never lent again. */
  private sawClose = false
  /** Parsers that decoded a Close (an error, the parser repeats itself: `error` says it). */
  private readonly finished = new WeakSet<Parser.FrameParser>()
  /** The protocol error of the last `push`, if any (read right after it). */
  error: ProtocolError | undefined = undefined

  constructor(
    private readonly options: Parser.Options,
    /** The connections' own message limit (the parser's includes permessage-deflate's slack). */
    readonly maxMessageSize: number
  ) {}

  /**
   * Parses `bytes` for `sink` with `held` (the parser it kept mid-frame) or a lent one, leaving
   * the protocol error in `error`. Returns the parser the sink must keep — one inside a frame or
   * message, or one finished by a Close or an error (it answers later pushes as before) — or
   * undefined when the parser went back to the pool.
   */
  push(sink: Parser.Sink, held: Parser.FrameParser | undefined, bytes: Uint8Array): Parser.FrameParser | undefined {
    const parser = held ?? this.spares.pop() ?? new Parser.FrameParser(this, this.options)
    this.current = sink
    this.sawClose = false
    this.error = parser.push(bytes)
    this.current = NOBODY
    if (this.sawClose) {
      this.finished.add(parser)
      return parser
    }
    // A finished parser ignores later bytes and then looks idle: it is its connection's for good.
    if (this.error !== undefined || !parser.idle || (held !== undefined && this.finished.has(parser))) return parser
    if (this.spares.length < MAX_SPARES) this.spares.push(parser)
    return undefined
  }
  onMessage(kind: Opcode.MessageKind, data: Uint8Array, rsv: number): void {
    this.current.onMessage(kind, data, rsv)
  }
  onPing(data: Uint8Array): void {
    this.current.onPing(data)
  }
  onPong(data: Uint8Array): void {
    this.current.onPong(data)
  }
  onClose(code: number, reason: string): void {
    this.sawClose = true
    this.current.onClose(code, reason)
  }
}

/**
 * The pools of one receiver, one per set of limits (the server's limits, with and without
 * permessage-deflate's slack: usually two).
 */
export class ParserPools {
  private readonly pools = new Map<string, ParserPool>()

  /** The pool for these limits; `slack` is what the parser allows above them (permessage-deflate's). */
  for(maxFrameSize: number, maxMessageSize: number, allowedRsv: number, slack: number): ParserPool {
    const key = `${maxFrameSize}/${maxMessageSize}/${allowedRsv}/${slack}`
    let pool = this.pools.get(key)
    if (pool === undefined) {
      const parserOptions: Parser.Options = {
        role: "server",
        maxFrameSize: maxFrameSize + slack,
        maxMessageSize: maxMessageSize + slack,
        allowedRsv
      }
      pool = new ParserPool(parserOptions, maxMessageSize)
      this.pools.set(key, pool)
    }
    return pool
  }
}
