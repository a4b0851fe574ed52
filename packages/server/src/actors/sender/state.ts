/**
 * The sender's state: the connection registry, the topics, and the frames routed in the current
 * batch. It lives outside the sender's fiber body, so a supervisor restart keeps every
 * registration and subscription.
 */
import type { Connection } from "../../connection/connection.js"
import { byteLength, End, type Outbound, type SocketLink } from "../../messages/outbound.js"
import type { Recorder } from "../../runtime/recorder.js"
import type { PermessageDeflate } from "@wspipe/codec"
import type { BusLink } from "../../bus/bus.js"
import type { MessageDeflater } from "../../deflate/deflater.js"
import type { DeflateEngine } from "../../deflate/engine.js"
import type { Token } from "./compression.js"
import type { Framing } from "./framing.js"

/** How the sender treats a client whose socket sender's queue is full. */
export type SlowConsumerPolicy = "close" | "drop"

/** Sender settings (see `ServerOptions`). */
export interface SenderOptions {
  readonly fragmentSize: number | undefined
  /** How long to wait for the peer's Close after ours before dropping TCP (RFC 6455 §7.1.1). */
  readonly closeTimeoutMs: number
  readonly slowConsumer: SlowConsumerPolicy
  /** A client with this many bytes waiting (queued + in the socket) is a slow consumer. */
  readonly outboundBufferLimit: number
  /** The socket senders' queue capacity (frames). */
  readonly outboundQueueCapacity: number
}

/** One registered connection. */
export interface Entry {
  readonly conn: Connection
  readonly link: SocketLink
  /** The connection's wire protocol. */
  readonly framing: Framing
  /** permessage-deflate, when the connection agreed to it. */
  readonly deflater: MessageDeflater<Token> | undefined
  /** Frames routed to this connection in the current batch; none between batches (no array kept). */
  pending: Array<Outbound> | undefined
  /** In `touched` this batch. */
  touched: boolean
  /** We sent Close and wait for the peer's (§7.1.2): no more data frames. */
  closeSent: boolean
  /** `End` was queued or the socket was aborted: nothing more is sent. */
  ended: boolean
  closeTimer: ReturnType<typeof setTimeout> | undefined
  /** Created on the first subscribe (most connections never join a topic). */
  topics: Set<string> | undefined
}

export class SenderState {
  readonly registry = new Map<number, Entry>()
  readonly topics = new Map<string, Set<Entry>>()
  /** Entries with frames pending in this batch. */
  touched: Array<Entry> = []
  frames = 0
  bytes = 0

  /** Hands the frames that late work (a sliced compression) added to the socket senders. */
  flushLater: () => void = () => {}

  constructor(
    readonly options: SenderOptions,
    readonly recorder: Recorder | undefined,
    /** This node's id: commands to other nodes' connections go through `bus`. */
    readonly nodeId: string,
    readonly bus: BusLink | undefined,
    /** The server's deflate engine (none when compression is off). */
    readonly deflate: DeflateEngine | undefined
  ) {}

  register(conn: Connection, link: SocketLink, framing: Framing, deflate: PermessageDeflate.Agreement | undefined): void {
    const entry: Entry = {
      conn,
      link,
      framing,
      deflater: undefined,
      pending: undefined,
      touched: false,
      closeSent: false,
      ended: false,
      closeTimer: undefined,
      topics: undefined
    }
    if (deflate !== undefined && this.deflate !== undefined) {
      // A big message compressed in slices comes back here when it is done: it goes out then,
      // and what was queued for the connection behind it follows (the deflater keeps the order).
      ;(entry as { deflater: MessageDeflater<Token> }).deflater = this.deflate.deflater<Token>(deflate, (token, payload) => {
        this.pushNow(
          token.entry,
          payload === undefined ? token.message.get(token.entry.framing)! : token.message.compressed().frame(payload)
        )
        this.flushLater()
      })
    }
    this.registry.set(conn.id, entry)
  }

  /**
   * Adds `item` to what `entry` gets at the end of this batch — or, while the connection's
   * deflater is still compressing an earlier message, right after that message.
   */
  push(entry: Entry, item: Outbound): void {
    if (entry.ended) return
    if (entry.deflater?.busy === true) {
      entry.deflater.defer(() => {
        this.pushNow(entry, item)
        this.flushLater()
      })
      return
    }
    this.pushNow(entry, item)
  }

  /** Adds `item` for `entry` now (its place in the connection's order is already decided). */
  pushNow(entry: Entry, item: Outbound): void {
    if (!entry.touched) {
      entry.touched = true
      this.touched.push(entry)
    }
    if (entry.pending === undefined) entry.pending = [item]
    else entry.pending.push(item)
    if (item !== End) {
      this.frames++
      this.bytes += byteLength(item)
    }
  }

  /** Is `a` a connection of this node? Without a bus there is no other node: every address is. */
  isLocal(a: { readonly node: string }): boolean {
    return this.bus === undefined || a.node === this.nodeId
  }

  /** A topic lost its last local member: other nodes' messages for it are no longer wanted here. */
  dropTopic(topic: string): void {
    this.topics.delete(topic)
    this.bus?.interested(topic, false)
  }

  /** Removes `entry` from the registry and from its topics. */
  forget(entry: Entry): void {
    this.registry.delete(entry.conn.id)
    // Freed after whatever it still compresses for the connection (its End among it), or now.
    const deflater = entry.deflater
    deflater?.defer(() => deflater.close())
    if (entry.closeTimer !== undefined) clearTimeout(entry.closeTimer)
    entry.closeTimer = undefined
    if (entry.topics === undefined) return
    for (const topic of entry.topics) {
      const members = this.topics.get(topic)
      if (members === undefined) continue
      members.delete(entry)
      if (members.size === 0) this.dropTopic(topic)
    }
    entry.topics = undefined
  }
}
