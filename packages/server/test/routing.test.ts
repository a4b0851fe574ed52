/**
 * The sender's routings over real sockets with ≥ 3 `ws` clients: unicast, broadcast to all but
 * the source, broadcast to all, and topics. "Got nothing" is proved with a marker: after the
 * others received, a unicast marker is sent to the client, and it must be the first thing it gets
 * (the sender keeps one order for everything it routes).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type Client, connect } from "./support/client.js"
import { router } from "./support/router.js"
import { start } from "./support/server.js"

interface Peer {
  readonly client: Client
  readonly id: number
}

/** Connects a client to the router and reads its `id:<n>` greeting. */
const join = (url: string) =>
  Effect.gen(function* () {
    const client = yield* connect(url)
    const greeting = yield* client.nextText()
    expect(greeting).toMatch(/^id:\d+$/)
    return { client, id: Number(greeting.slice(3)) } satisfies Peer
  })

const peers = (url: string, n: number) => Effect.forEach(Array.from({ length: n }), () => join(url))

/** Proves `peer` received nothing so far: a marker sent now (by `via`) must be its next message. */
const expectNothingYet = (via: Peer, peer: Peer, marker: string) =>
  Effect.gen(function* () {
    yield* via.client.send(`to ${peer.id} ${marker}`)
    expect(yield* peer.client.nextText()).toBe(marker)
  })

describe("routing over real sockets", () => {
  it.live("unicast reaches exactly the addressed client", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const [a, b, c] = yield* peers(url, 3)
      yield* a!.client.send(`to ${c!.id} just for c`)
      expect(yield* c!.client.nextText()).toBe("just for c")
      yield* expectNothingYet(c!, a!, "marker-a")
      yield* expectNothingYet(c!, b!, "marker-b")
    })
  )

  it.live("broadcast reaches every client except the source, and the source gets nothing", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const [a, b, c, d] = yield* peers(url, 4)
      yield* a!.client.send("bcast hello from a")
      expect(yield* b!.client.nextText()).toBe("hello from a")
      expect(yield* c!.client.nextText()).toBe("hello from a")
      expect(yield* d!.client.nextText()).toBe("hello from a")
      // The broadcast was routed before this unicast: had a been included, it would come first.
      yield* expectNothingYet(b!, a!, "marker")
    })
  )

  it.live("broadcast-all reaches every client including the source", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const all = yield* peers(url, 3)
      yield* all[1]!.client.send("all to everyone")
      for (const p of all) expect(yield* p.client.nextText()).toBe("to everyone")
      for (const p of all) yield* expectNothingYet(all[0]!, p, `marker-${p.id}`)
    })
  )

  it.live("a broadcast is delivered once to each client, in the order the commands were given", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const [a, b, c] = yield* peers(url, 3)
      for (let i = 0; i < 50; i++) a!.client.ws.send(`bcast ${i}`)
      const expected = Array.from({ length: 50 }, (_, i) => String(i))
      expect(yield* b!.client.texts(50)).toEqual(expected)
      expect(yield* c!.client.texts(50)).toEqual(expected)
      yield* expectNothingYet(b!, a!, "marker")
      yield* expectNothingYet(a!, b!, "marker")
    })
  )

  it.live("topics: publish reaches members only; pubx skips the source; unsubscribe stops delivery", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const [a, b, c] = yield* peers(url, 3)
      // Each client's own commands are routed in order: the echo after `sub` proves it is done.
      for (const p of [a!, b!]) {
        yield* p.client.send("sub news")
        yield* p.client.send("ready")
        expect(yield* p.client.nextText()).toBe("ready")
      }

      yield* c!.client.send("pub news one") // c is not a member but may publish
      expect(yield* a!.client.nextText()).toBe("one")
      expect(yield* b!.client.nextText()).toBe("one")
      yield* expectNothingYet(a!, c!, "marker-1")

      yield* a!.client.send("pubx news two") // except the source
      expect(yield* b!.client.nextText()).toBe("two")
      yield* expectNothingYet(b!, a!, "marker-2")

      yield* a!.client.send("pub news three") // without except: the source too
      expect(yield* a!.client.nextText()).toBe("three")
      expect(yield* b!.client.nextText()).toBe("three")

      yield* b!.client.send("unsub news")
      yield* b!.client.send("ready")
      expect(yield* b!.client.nextText()).toBe("ready")
      yield* a!.client.send("pub news four")
      expect(yield* a!.client.nextText()).toBe("four")
      yield* expectNothingYet(a!, b!, "marker-3")
      yield* expectNothingYet(a!, c!, "marker-4")
    })
  )

  it.live("topics are separate, and a closed member is forgotten", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const [a, b, c] = yield* peers(url, 3)
      yield* a!.client.send("sub red")
      yield* b!.client.send("sub blue")
      yield* c!.client.send("sub red")
      for (const p of [a!, b!, c!]) {
        yield* p.client.send("ready")
        expect(yield* p.client.nextText()).toBe("ready")
      }
      yield* b!.client.send("pub red r1")
      expect(yield* a!.client.nextText()).toBe("r1")
      expect(yield* c!.client.nextText()).toBe("r1")
      yield* expectNothingYet(a!, b!, "marker")

      c!.client.ws.close(1000, "bye")
      yield* c!.client.waitClosed()
      yield* b!.client.send("pub red r2")
      expect(yield* a!.client.nextText()).toBe("r2")
    })
  )

  it.live("binary messages are routed unchanged", () =>
    Effect.gen(function* () {
      const { url } = yield* start(router().handler)
      const [a] = yield* peers(url, 1)
      const bytes = Buffer.from([0, 1, 2, 250, 255])
      yield* a!.client.send(bytes)
      const reply = yield* a!.client.next()
      expect(reply.isBinary).toBe(true)
      expect(reply.data.equals(bytes)).toBe(true)
    })
  )
})
