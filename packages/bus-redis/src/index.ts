/**
 * @wspipe/bus-redis: the Redis pub/sub transport of the wspipe bus (`RedisTransport`, a
 * `Bus.BusTransport` of `@wspipe/server`).
 *
 * @module
 */
export { RedisTransport, RedisTransportError, type RedisTransportOptions } from "./redis-transport.js"
export { runScaled, type ScaledOptions } from "./scaled.js"
