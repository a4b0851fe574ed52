/**
 * A "node" for the tests: one transport in its own scope, with what it received, its status
 * changes and its log lines recorded.
 */
import { Effect, Exit, Scope } from "effect"
import type { Bus } from "@wspipe/server"
import { RedisTransport, type RedisTransportOptions } from "../../src/index.js"

type BusTransport = Bus.BusTransport

/**
 * A transport plus its recordings.
 *
 * @example
 * ```ts
 * const a = await openNode({ url: redis.url })
 * a.transport.subscribe("c")
 * await a.close()
 * ```
 */
export interface TestNode {
  readonly transport: BusTransport
  /** Every message received, in order. */
  readonly received: Array<{ readonly channel: string; readonly payload: Uint8Array }>
  readonly statuses: Array<"up" | "down">
  readonly logs: Array<string>
  readonly close: () => Promise<void>
}

/**
 * Makes a transport in a fresh scope; `close` closes the scope. Fails like `RedisTransport.make`.
 *
 * @example
 * ```ts
 * const a = await openNode({ url, maxBufferedBytes: 1 << 20 })
 * ```
 */
export const openNode = async (options: RedisTransportOptions): Promise<TestNode> => {
  const logs: Array<string> = []
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(
    Scope.provide(scope)(
      RedisTransport.make({
        log: (level, message) => {
          logs.push(`${level}: ${message}`)
        },
        ...options
      })
    )
  )
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw Exit.isFailure(exit) ? exit.cause : undefined
  }
  const transport = exit.value
  const received: TestNode["received"] = []
  const statuses: TestNode["statuses"] = []
  transport.onMessage((channel, payload) => {
    received.push({ channel, payload: Uint8Array.from(payload) })
  })
  transport.onStatus((status) => {
    statuses.push(status)
  })
  return { transport, received, statuses, logs, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/**
 * A u32 sequence number as a payload (and back), for order and duplicate checks.
 *
 * @example
 * ```ts
 * seqOf(seqPayload(7)) // 7
 * ```
 */
export const seqPayload = (n: number): Uint8Array => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

/**
 * The sequence number in a `seqPayload`.
 *
 * @example
 * ```ts
 * seqOf(Uint8Array.of(0, 0, 1, 0)) // 256
 * ```
 */
export const seqOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0)
