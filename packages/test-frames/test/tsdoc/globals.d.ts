// The free variables TSDoc examples use (scripts/tsdoc-examples.ts): what a test would have around them.
declare const socket: import("node:net").Socket
declare const chunk: Uint8Array
declare const bytes: Uint8Array
declare const key: string
declare const head: import("@wspipe/test-frames").ResponseHead
