// The free variables TSDoc examples use (scripts/tsdoc-examples.ts): what a real caller would have around them.
declare const transport: import("@wspipe/server").Bus.BusTransport
declare const bus: { readonly deliver: (channel: string, payload: Uint8Array) => void }
declare const bytes: Uint8Array
declare const encoded: Uint8Array
declare const myNode: string
declare const deliver: (message: unknown) => void
declare let lost: number
