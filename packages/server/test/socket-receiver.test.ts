/** SocketReceiver over a real socket pair: chunks in order, waiting on a full queue, credit, the end. */
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import type { Connection } from "../src/connection/connection.js"
import type { SocketInput } from "../src/messages/socket-input.js"
import { SocketReceiver } from "../src/actors/socket-receiver.js"

const conn: Connection = {
  id: 1,
  path: "/",
  query: "",
  protocol: undefined,
  extensions: [],
  remoteAddress: "test",
  variant: "rfc6455",
  node: "local"
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A connected pair: `server` is the accepted side, `client` writes to it. */
const socketPair = async (): Promise<{ server: Net.Socket; client: Net.Socket; close: () => void }> => {
  const listener = Net.createServer()
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve))
  const { port } = listener.address() as Net.AddressInfo
  const accepted = new Promise<Net.Socket>((resolve) => listener.once("connection", resolve))
  const client = Net.connect(port, "127.0.0.1")
  const server = await accepted
  return {
    server,
    client,
    close: () => {
      client.destroy()
      server.destroy()
      listener.close()
    }
  }
}

/** What the queue holds (taken out, without waiting), as text for chunks and tags otherwise. */
const drained = (queue: Queue.Queue<SocketInput>): Array<string> =>
  Effect.runSync(Queue.clear(queue)).map((input) => (input._tag === "Chunk" ? Buffer.from(input.bytes).toString() : input._tag))

describe("SocketReceiver", () => {
  it("waits on a full queue with the socket paused, in one fiber and in order even if someone else resumes it", async () => {
    const { server, client, close } = await socketPair()
    const queue = Effect.runSync(Queue.bounded<SocketInput>(1))
    Queue.offerUnsafe(queue, { _tag: "Eof", conn }) // fills the queue
    let fibers = 0
    const runFork = (effect: Effect.Effect<unknown>) => {
      fibers++
      Effect.runFork(effect)
    }
    const receiver = new SocketReceiver(conn, server, { receiver: queue, runFork, maxInflightBytes: 1 << 20 })
    receiver.start()
    client.write("a")
    await sleep(50)
    expect(server.isPaused()).toBe(true) // the fiber waits to offer "a": nothing more is read
    server.resume() // the raw socket is the handler's too: a resume must not let "b" overtake "a"
    client.write("b")
    await sleep(50)
    const seen = drained(queue) // frees the queue: the fiber offers "a", then "b"
    for (let i = 0; i < 20 && seen.length < 3; i++) {
      await sleep(10)
      seen.push(...drained(queue))
    }
    expect(seen).toEqual(["Eof", "a", "b"])
    expect(fibers).toBe(1) // "b" waited behind "a" in the same fiber: at most one per socket
    client.end()
    await sleep(50)
    expect(drained(queue)).toEqual(["Eof"])
    close()
  })

  it("stops reading when its credit is spent and reads on once the receiver releases it", async () => {
    const { server, client, close } = await socketPair()
    const queue = Effect.runSync(Queue.bounded<SocketInput>(64))
    const receiver = new SocketReceiver(conn, server, {
      receiver: queue,
      runFork: (effect) => void Effect.runFork(effect),
      maxInflightBytes: 4
    })
    receiver.start()
    client.write("12345")
    await sleep(50)
    expect(drained(queue)).toEqual(["12345"])
    client.write("678")
    await sleep(50)
    expect(server.isPaused()).toBe(true)
    expect(drained(queue)).toEqual([]) // out of credit: "678" stays in the socket
    receiver.release(5)
    await sleep(50)
    expect(drained(queue)).toEqual(["678"])
    close()
  })

  it("reports the end of TCP, unless the receiver has already reported the connection's ending", async () => {
    const ends: Array<Array<string>> = []
    for (const inputEnded of [false, true]) {
      const { server, client, close } = await socketPair()
      const queue = Effect.runSync(Queue.bounded<SocketInput>(64))
      const record = { ...conn, closing: undefined, reading: undefined, inputEnded }
      const receiver = new SocketReceiver(record, server, {
        receiver: queue,
        runFork: (effect) => void Effect.runFork(effect),
        maxInflightBytes: 1 << 20
      })
      receiver.start()
      client.end("x")
      await sleep(50)
      ends.push(drained(queue))
      close()
    }
    // After the peer's Close was decoded (the record's `inputEnded`), the Eof would only make a
    // second ending: it is not offered.
    expect(ends).toEqual([["x", "Eof"], ["x"]])
  })

  it("a socket that closed before reading started (entering waited for a full queue) still reports its end", async () => {
    const { server, client, close } = await socketPair()
    const queue = Effect.runSync(Queue.bounded<SocketInput>(64))
    const record = { ...conn, closing: undefined, reading: undefined }
    const receiver = new SocketReceiver(record, server, {
      receiver: queue,
      runFork: (effect) => void Effect.runFork(effect),
      maxInflightBytes: 1 << 20
    })
    client.destroy()
    await new Promise((resolve) => server.once("close", resolve))
    receiver.start() // what `enter` does once the queue it waited on has room
    await sleep(20)
    // Without the Eof the receiver would keep the connection's decoder, and the sender its
    // registry entry, for good.
    expect(drained(queue)).toEqual(["Eof"])
    close()
  })
})
