/**
 * What the sender gives a socket sender: framed bytes (one buffer, or a large frame's header and
 * its payload kept apart so the payload is not copied), and at the end an `End` marker telling it
 * to end TCP once everything before it is written.
 */

/** Written after everything queued before it; then the socket sender ends TCP and stops. */
export interface End { readonly _tag: "End" }
export const End: End = { _tag: "End" }

/** One frame as its header and its payload (written together with `writev`). */
export interface Parts { readonly _tag: "Parts"; readonly header: Uint8Array; readonly payload: Uint8Array }
export const Parts = (header: Uint8Array, payload: Uint8Array): Parts => ({ _tag: "Parts", header, payload })

/** A framed message: one buffer, or header and payload. */
export type Framed = Uint8Array | Parts

export type Outbound = Framed | End

/** Bytes of an outbound item on the wire (0 for `End`). */
export const byteLength = (item: Outbound): number =>
  item instanceof Uint8Array ? item.byteLength : item._tag === "Parts" ? item.header.byteLength + item.payload.byteLength : 0
