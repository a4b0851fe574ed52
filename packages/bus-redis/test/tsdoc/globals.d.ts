// The free variables TSDoc examples use (scripts/tsdoc-examples.ts).
declare const url: string
