/**
 * The bus: many processes and machines as one server. Give `Server.listen` a `bus` (a
 * `BusTransport` — `RedisTransport` from `@wspipe/bus-redis`, or `Bus.memoryHub()` in one
 * process) and broadcasts, topics, and unicasts or closes to connections of other nodes cross it.
 *
 * @module
 */
export type { BusOptions } from "./bus.js"
export { memoryHub, type MemoryHub } from "./memory.js"
export type { BusTransport, TransportStats, TransportStatus } from "./transport.js"
