// Prepended to every TSDoc example of this package that has no import of its own (scripts/tsdoc-examples.ts).
import { Effect } from "effect"
import { RedisTransport, type RedisTransportOptions, runScaled } from "@wspipe/bus-redis"
