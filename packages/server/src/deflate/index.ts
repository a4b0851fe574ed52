/**
 * permessage-deflate (RFC 7692) compression engine: negotiation is in `@wspipe/codec`
 * (`PermessageDeflate`); this folder turns agreed parameters into per-connection inflaters and
 * deflaters. See docs/deflate-engine.md for measurements and the wiring.
 *
 * @module
 */
export { DeflateEngine, type EngineCounters, type EngineOptions } from "./engine.js"
export { InflateError, Pending } from "./errors.js"
export { MessageInflater, type InflateCallback, type InflateResult } from "./inflater.js"
export { Broadcast, MessageDeflater, type DeflateCallback, type DeflateParams, type DeflateResult } from "./deflater.js"
export { InflateRun, TRAILER, type SliceBudget } from "./inflate-run.js"
export { DeflateRun } from "./deflate-run.js"
export { GrowingOutput } from "./growing-output.js"
export { Joiner } from "./joiner.js"
export { Slicer, type SlicedJob, type SlicerStats } from "./slicer.js"
export { Window } from "./window.js"
export { available, ZlibHandle, type ZlibHandleOptions } from "./zlib-handle.js"
