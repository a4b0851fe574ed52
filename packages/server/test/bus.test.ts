/**
 * The bus between nodes, with the in-process engine (`Bus.memoryHub`): three servers in one
 * process, real sockets, the `ws` client. Broadcast (all but the source), broadcast-all, topics
 * (a node subscribes on its first local member, leaves on its last), unicast and close to a
 * connection of another node, order, nothing published twice, and an engine outage: local
 * delivery goes on, what could not cross is counted. (The same over a real redis-server:
 * packages/bus-redis/test/cross-node.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { Bus, Metrics } from "../src/index.js"
import { busNode as node } from "./support/bus-node.js"
import { connect } from "./support/client.js"
import { start } from "./support/server.js"

const nodes = (n: number) =>
  Effect.gen(function* () {
    const hub = Bus.memoryHub()
    const servers = []
    const transports = []
    for (let i = 0; i < n; i++) {
      const transport = hub.transport()
      transports.push(transport)
      servers.push(yield* start(node, { bus: { transport, nodeId: `n${i}` } }))
    }
    return { hub, servers, transports }
  })

/** A client and its address. */
const client = (url: string) =>
  Effect.gen(function* () {
    const c = yield* connect(url)
    const hello = yield* c.nextText()
    return { c, address: hello.slice(3) }
  })

describe("the bus (in-process engine)", () => {
  it.live("broadcast: the source's node skips the source, every other node delivers to all; broadcast-all reaches everyone", () =>
    Effect.gen(function* () {
      const { servers } = yield* nodes(3)
      const a1 = yield* client(servers[0]!.url)
      const a2 = yield* client(servers[0]!.url)
      const b1 = yield* client(servers[1]!.url)
      const c1 = yield* client(servers[2]!.url)
      yield* a1.c.send("bcast hello")
      for (const x of [a2, b1, c1]) expect(yield* x.c.nextText()).toBe("hello")
      yield* b1.c.send("all everyone")
      for (const x of [a1, a2, b1, c1]) expect(yield* x.c.nextText()).toBe("everyone")
      expect(a1.c.pending).toBe(0)
    })
  )

  it.live("topics across nodes; a node subscribes to a topic's channel on its first local member and leaves on its last", () =>
    Effect.gen(function* () {
      const { servers, transports } = yield* nodes(2)
      const a = yield* client(servers[0]!.url)
      const b = yield* client(servers[1]!.url)
      const b2 = yield* client(servers[1]!.url)
      yield* b.c.send("sub room")
      yield* b.c.send("sync")
      expect(yield* b.c.nextText()).toBe("synced")
      yield* Effect.sleep("20 millis") // the bus applies the subscription on its next turn
      yield* a.c.send("pub room from a")
      expect(yield* b.c.nextText()).toBe("from a")
      yield* b.c.send("unsub room")
      yield* b.c.send("sync")
      expect(yield* b.c.nextText()).toBe("synced")
      yield* Effect.sleep("20 millis")
      const receivedBefore = transports[1]!.stats().received
      yield* a.c.send("pub room nobody on b wants this")
      yield* a.c.send("to " + b2.address + " marker")
      expect(yield* b2.c.nextText()).toBe("marker")
      expect(b.c.pending).toBe(0)
      // Node b was not even sent the publish: it left the channel; only the marker reached it.
      expect(transports[1]!.stats().received - receivedBefore).toBe(1)
    })
  )

  it.live("unicast and close to a connection of another node", () =>
    Effect.gen(function* () {
      const { servers } = yield* nodes(2)
      const a = yield* client(servers[0]!.url)
      const b = yield* client(servers[1]!.url)
      expect(a.address.startsWith("n0:")).toBe(true)
      yield* a.c.send(`to ${b.address} psst`)
      expect(yield* b.c.nextText()).toBe("psst")
      yield* a.c.send(`close ${b.address}`)
      expect(yield* b.c.waitClosed()).toEqual({ code: 4000, reason: "from afar" })
      expect(a.c.closeInfo).toBeUndefined()
    })
  )

  it.live("order: messages from one sender to one topic reach every subscriber on every node in send order", () =>
    Effect.gen(function* () {
      const { servers } = yield* nodes(3)
      const subscribers = [yield* client(servers[0]!.url), yield* client(servers[1]!.url), yield* client(servers[2]!.url)]
      for (const s of subscribers) {
        yield* s.c.send("sub seq")
        yield* s.c.send("sync")
        expect(yield* s.c.nextText()).toBe("synced")
      }
      yield* Effect.sleep("20 millis")
      const source = yield* client(servers[0]!.url)
      for (let i = 0; i < 200; i++) yield* source.c.send(`pub seq ${i}`)
      for (const s of subscribers) expect(yield* s.c.texts(200)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)))
    })
  )

  it.live("engine down: local delivery goes on, what could not cross is counted; back up, cross-node delivery resumes", () =>
    Effect.gen(function* () {
      const { hub, servers } = yield* nodes(2)
      const a1 = yield* client(servers[0]!.url)
      const a2 = yield* client(servers[0]!.url)
      const b = yield* client(servers[1]!.url)
      const dropped = Effect.map(Metric.value(Metric.withAttributes(Metrics.metrics.busDropped, { reason: "transport" })), (s) =>
        Number(s.count)
      )
      const before = yield* dropped
      hub.setUp(false)
      yield* a1.c.send("all while down")
      expect(yield* a2.c.nextText()).toBe("while down")
      expect(yield* a1.c.nextText()).toBe("while down")
      yield* Effect.sleep("1100 millis")
      expect((yield* dropped) - before).toBe(1)
      hub.setUp(true)
      yield* a1.c.send("all back")
      for (const x of [a1, a2, b]) expect(yield* x.c.nextText()).toBe("back")
      expect(b.c.pending).toBe(0) // never got "while down", and nothing twice
    })
  )
})
