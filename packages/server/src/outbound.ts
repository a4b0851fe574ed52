/**
 * What the sender gives a socket sender: framed bytes, and at the end an `End` marker telling it
 * to end TCP once everything before it is written.
 */

/** Written after everything queued before it; then the socket sender ends TCP and stops. */
export interface End { readonly _tag: "End" }
export const End: End = { _tag: "End" }

export type Outbound = Uint8Array | End
