/**
 * What the sender gives a socket sender: framed bytes (one buffer, or a large frame's header and
 * its payload kept apart so the payload is not copied), and at the end an `End` marker telling it
 * to end TCP once everything before it is written. `SocketLink` is the socket sender as the
 * sender sees it.
 */

/** Written after everything queued before it; then the socket sender ends TCP and stops. */
export interface End {
  readonly _tag: "End"
}
export const End: End = { _tag: "End" }

/** One frame as its header and its payload (written together with `writev`). */
export interface Parts {
  readonly _tag: "Parts"
  readonly header: Uint8Array
  readonly payload: Uint8Array
}
export const Parts = (header: Uint8Array, payload: Uint8Array): Parts => ({ _tag: "Parts", header, payload })

/** A framed message: one buffer, or header and payload. */
export type Framed = Uint8Array | Parts

export type Outbound = Framed | End

/** Bytes of an outbound item on the wire (0 for `End`). */
export const byteLength = (item: Outbound): number =>
  item instanceof Uint8Array ? item.byteLength : item._tag === "Parts" ? item.header.byteLength + item.payload.byteLength : 0

/**
 * The write side of one connection, as the sender sees it (the socket sender implements it).
 * `offer` is the arrow of the diagram. The rest is the sender's view back up the arrow and its
 * out-of-band orders, used only where the queue cannot carry them (docs/design-decisions.md):
 * `backlog` for the slow-consumer policy, `abort` when the queue is full, `destroy` when the peer
 * does not answer our Close in time.
 */
export interface SocketLink {
  /**
   * Offers frames to the socket sender's bounded queue without waiting, and wakes it. Returns
   * what did not fit (the slow-consumer policy decides about it).
   */
  readonly offer: (items: ReadonlyArray<Outbound>) => ReadonlyArray<Outbound>
  /** Frames waiting in the socket sender's queue. */
  readonly queued: () => number
  /** Bytes waiting for this client: in the queue and in the socket's own buffer. */
  readonly backlog: () => number
  /**
   * Fails the connection without going through the queue (it is full, or the peer is gone
   * silent): writes `closeFrame` straight to the socket, ends TCP, stops the socket sender.
   */
  readonly abort: (closeFrame: Uint8Array) => void
  /** Drops TCP at once (the peer did not answer our Close in time, RFC 6455 §7.1.1). */
  readonly destroy: () => void
}
