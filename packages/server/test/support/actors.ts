/** Helpers for running actors alone with in-memory queues. */
import { Effect, Queue } from "effect"
import type { Connection, Handshake } from "../../src/index.js"
import type { SocketLink } from "../../src/messages/outbound.js"
import { byteLength, type Outbound } from "../../src/messages/outbound.js"
import { decodeFrames, parseClose } from "./frames.js"

let nextId = 1_000_000

/** A connection record without a socket. */
export const fakeConn = (path = "/"): Connection => ({
  id: nextId++,
  path,
  query: "",
  protocol: undefined,
  extensions: [],
  remoteAddress: "test:0",
  variant: "rfc6455",
  node: "local"
})

/** The upgrade request an `Attach`/`Open` carries. */
export const fakeRequest = (path = "/"): Handshake.HandshakeRequest => ({
  path,
  query: "",
  headers: Object.create(null) as Record<string, string>,
  protocols: [],
  extensions: [],
  remoteAddress: "test:0",
  variant: "rfc6455",
  compression: undefined
})

/** An in-memory socket link for the sender: its out queue plus a record of abort/destroy calls. */
export interface FakeLink extends SocketLink {
  readonly out: Queue.Queue<Outbound>
  readonly aborts: Array<{ code: number; reason: string }>
  destroyed: number
  /** How often an offer put something in `out` (and so woke the socket sender). */
  wakes: number
  /** Bytes the sender reported offering to `out`. */
  enqueuedBytes: number
  /** Bytes pretended to sit in the socket's own buffer (a client that does not read). */
  socketBytes: number
}

export const fakeLink = (capacity = 64): Effect.Effect<FakeLink> =>
  Effect.map(Queue.bounded<Outbound>(capacity), (out) => {
    const link: FakeLink = {
      out,
      aborts: [],
      destroyed: 0,
      wakes: 0,
      enqueuedBytes: 0,
      socketBytes: 0,
      offer: (items) => {
        const rest = Queue.offerAllUnsafe(out, items)
        if (rest.length < items.length) {
          link.wakes++
          for (let i = 0; i < items.length - rest.length; i++) link.enqueuedBytes += byteLength(items[i]!)
        }
        return rest
      },
      queued: () => Queue.sizeUnsafe(out),
      // Taking from `out` does not lower it: tests stay far below the byte limit unless they
      // set `socketBytes`.
      backlog: () => link.socketBytes + link.enqueuedBytes,
      // The Close frame the socket sender would write straight to the socket, read back.
      abort: (closeFrame) => {
        const { code, reason } = parseClose(decodeFrames(closeFrame)[0]!.payload)
        link.aborts.push({ code: code ?? 1005, reason })
      },
      destroy: () => void link.destroyed++
    }
    return link
  })

/** Takes exactly `n` items from `queue`, waiting for them (bounded by the test timeout). */
export const takeN = <A>(queue: Queue.Dequeue<A>, n: number): Effect.Effect<Array<A>> =>
  Effect.gen(function* () {
    const out: Array<A> = []
    while (out.length < n) out.push(yield* Queue.take(queue))
    return out
  }).pipe(Effect.orDie, Effect.timeout("5 seconds"), Effect.orDie)
