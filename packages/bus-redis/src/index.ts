/**
 * @wspipe/bus-redis: the Redis pub/sub transport of the wspipe bus (`BusTransport`,
 * `RedisTransport`) and the bus' wire format (`encode` / `decode`).
 *
 * @module
 */
export type { BusTransport, TransportStats, TransportStatus } from "./transport.js"
export { RedisTransport, RedisTransportError, type RedisTransportOptions } from "./redis-transport.js"
export { type BusKind, type BusMessage, decode, encode, WIRE_VERSION, WireError } from "./wire.js"
