/**
 * The guides' examples run: each starts on a real port and behaves as its guide says, seen
 * through the `ws` client. (docs-sync.test.ts checks that the guides show these files as they are.)
 */
import { spawn } from "node:child_process"
import * as Net from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Inbox, Server } from "@wspipe/server"
import { resolveOptions } from "@wspipe/server/internal"
import { Context, Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import WebSocket from "ws"
import { connect, eventually, listen, refused, start } from "./support/guides.js"
import { makeCounter as makeCallbackCounter } from "../examples/callbacks-counter.js"
import { makeLobby } from "../examples/callbacks-lobby.js"
import { ordering } from "../examples/callbacks-ordering.js"
import { countingSender } from "../examples/counting-sender.js"
import { echo } from "../examples/echo.js"
import { program as embedded } from "../examples/embedded.js"
import { jsonRooms } from "../examples/json-rooms.js"
import { app as layerApp } from "../examples/layer.js"
import { tight } from "../examples/limits.js"
import { rooms } from "../examples/rooms.js"
import { byPath } from "../examples/router.js"
import { makeCounter } from "../examples/supervision.js"
import { main as twoEndpoints } from "../examples/two-endpoints.js"
import { main as workers } from "../examples/workers.js"

describe("handler-fiber.md", () => {
  it("echo: text stays text, binary stays binary", async () => {
    const url = await listen(echo)
    const c = await connect(url)
    c.send("hello")
    expect(await c.next()).toBe("hello")
    c.send(Uint8Array.of(1, 2, 3))
    expect(await c.next()).toBe("<binary 3>")
  })

  it("rooms: joins, room-only messages, leaves with 1005/1006/1000", async () => {
    const url = await listen(rooms)
    const a = await connect(`${url}/rooms/kitchen`)
    expect(await a.next()).toMatch(/^#\d+ joined kitchen \(1 here\)$/)
    const b = await connect(`${url}/rooms/kitchen`)
    const other = await connect(`${url}/elsewhere`)
    expect(await other.next()).toMatch(/joined lobby \(1 here\)/)
    expect(await a.next()).toMatch(/joined kitchen \(2 here\)/)
    expect(await b.next()).toMatch(/joined kitchen \(2 here\)/)

    a.send("hi")
    expect(await b.next()).toMatch(/^#\d+: hi$/)

    b.ws.close() // a Close frame without a code
    expect(await a.next((m) => m.includes("left"))).toMatch(/left kitchen \(1005\)$/)
    const c = await connect(`${url}/rooms/kitchen`)
    c.ws.terminate() // TCP gone without a Close frame
    expect(await a.next((m) => m.includes("left"))).toMatch(/left kitchen \(1006\)$/)
    const d = await connect(`${url}/rooms/kitchen`)
    d.ws.close(1000)
    expect(await a.next((m) => m.includes("left"))).toMatch(/left kitchen \(1000\)$/)

    expect(a.received.filter((m) => m.endsWith(": hi"))).toEqual([]) // not sent back to the source
    expect(other.received).toEqual([]) // nothing from the kitchen
  })

  it("supervision: the handler restarts on the same queues, outer state survives", async () => {
    const url = await listen(makeCounter())
    const c = await connect(url)
    const bystander = await connect(url)
    c.send("a")
    expect(await c.next()).toBe("total=1 sinceStart=1")
    c.send("b")
    expect(await c.next()).toBe("total=2 sinceStart=2")
    c.send("crash")
    // Wait for the restart: a message that arrives in the same batch as "crash" is lost with it.
    await new Promise((r) => setTimeout(r, 100))
    c.send("c")
    expect(await c.next()).toBe("total=3 sinceStart=1")
    bystander.send("d")
    expect(await bystander.next()).toBe("total=4 sinceStart=2")
    expect(c.ws.readyState).toBe(WebSocket.OPEN)
  })

  it("workers: replies through server.send, ticks through server.command", async () => {
    const server = await start(workers({ port: 0, tickMs: 50 }))
    const c = await connect(server.url!)
    c.send("shout")
    expect(await c.next((m) => !m.startsWith("tick"))).toBe("SHOUT")
    expect(await c.next((m) => m.startsWith("tick"))).toMatch(/^tick \d{4}-/)
  })
})

describe("callbacks.md", () => {
  it("counter: handshake rejects with status and Error header; state per connection; closed", async () => {
    const log: Array<string> = []
    const url = await listen(makeCallbackCounter(log))
    const noUser = await refused(`${url}/count`)
    expect(noUser.status).toBe(401)
    expect(noUser.headers["error"]).toBe("send an X-User header")
    expect((await refused(`${url}/other`, { "x-user": "ann" })).status).toBe(404)

    const ann = await connect(`${url}/count`, { "X-User": "ann" })
    const bob = await connect(`${url}/count`, { "X-User": "bob" })
    expect(await ann.next()).toBe("hello ann")
    ann.send("a")
    ann.send("b")
    bob.send("x")
    expect([await ann.next(), await ann.next(), await bob.next((m) => m !== "hello bob")]).toEqual(["1", "2", "1"])
    ann.send("bye")
    expect(await ann.closed).toEqual({ code: 4000, reason: "bye" })
    await eventually(() => expect(log).toEqual(["ann sent 2, closed with 4000"]))
  })

  it("lobby: handles in a set, one Frame for everyone, handle.post from a timer, text and binary", async () => {
    const url = await listen(makeLobby())
    const a = await connect(url)
    expect(await a.next()).toMatch(/^welcome #\d+, 1 here$/)
    const b = await connect(url)
    expect(await b.next()).toMatch(/^welcome #\d+, 2 here$/)
    a.send("all hey")
    expect(await a.next()).toBe("hey")
    expect(await b.next()).toBe("hey")
    a.send("later you")
    expect(await a.next()).toBe("you")
    a.send(new Uint8Array(5))
    expect(await a.next()).toBe("5 bytes")
    a.send("what")
    expect(await a.next()).toBe("? what")
    b.ws.close(1000)
    await b.closed
    a.send("all still here")
    expect(await a.next()).toBe("still here")
  })

  it("ordering: a slow callback holds only its own connection; failures close with 1011; typed close errors", async () => {
    const url = await listen(ordering)
    const a = await connect(url)
    const b = await connect(url)
    const t0 = Date.now()
    a.send("slow")
    a.send("after slow")
    b.send("quick")
    expect(await b.next()).toBe("quick")
    expect(a.received).toEqual([]) // b was answered while a's callback was still sleeping
    expect(await a.next()).toBe("slow done")
    expect(await a.next()).toBe("after slow")
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)

    a.send("close 99")
    expect(await a.next()).toBe("refused: close code 99 may not be sent")

    const c = await connect(url)
    c.send("boom")
    expect((await c.closed).code).toBe(1011)
    b.send("still fine")
    expect(await b.next()).toBe("still fine")

    a.send("close 4001")
    expect(await a.closed).toEqual({ code: 4001, reason: "asked to" })
  })
})

describe("composing-pipelines.md", () => {
  it("json-rooms: typed messages in and out; bad JSON 4400, binary 1003, floods 1008", async () => {
    const url = await listen(jsonRooms)
    const a = await connect(url)
    const b = await connect(url)
    a.send(JSON.stringify({ type: "join", room: "r" }))
    b.send(JSON.stringify({ type: "join", room: "r" }))
    expect(JSON.parse(await a.next())).toEqual({ type: "joined", room: "r" })
    expect(JSON.parse(await b.next())).toEqual({ type: "joined", room: "r" })
    a.send(JSON.stringify({ type: "say", room: "r", text: "hi" }))
    expect(JSON.parse(await b.next())).toMatchObject({ type: "said", room: "r", text: "hi" })
    expect(a.received).toEqual([])

    const notJson = await connect(url)
    notJson.send("{")
    expect(await notJson.closed).toEqual({ code: 4400, reason: "invalid message" })
    const badShape = await connect(url)
    badShape.send(JSON.stringify({ type: "shout" }))
    expect((await badShape.closed).code).toBe(4400)
    const binary = await connect(url)
    binary.send(Uint8Array.of(1))
    expect(await binary.closed).toEqual({ code: 1003, reason: "text messages only" })

    const flood = await connect(url)
    for (let i = 0; i < 40; i++) flood.send(JSON.stringify({ type: "join", room: "z" }))
    expect(await flood.closed).toEqual({ code: 1008, reason: "rate limit exceeded" })
    expect(flood.received.length).toBeLessThanOrEqual(21)
  })

  it("router: one server, handlers chosen by path, 404 for unknown paths", async () => {
    const log: Array<string> = []
    const url = await listen(byPath({ "/echo": echo, "/count": makeCallbackCounter(log) }))
    const e = await connect(`${url}/echo`)
    e.send("ping?")
    expect(await e.next()).toBe("ping?")
    expect((await refused(`${url}/count`)).status).toBe(401) // the route's own handshake hook
    const c = await connect(`${url}/count`, { "X-User": "cy" })
    expect(await c.next()).toBe("hello cy")
    c.send("x")
    expect(await c.next()).toBe("1")
    const unknown = await refused(`${url}/nope`)
    expect(unknown.status).toBe(404)
    expect(unknown.headers["error"]).toBe("no endpoint at /nope")
  })

  it("two attach calls on one HTTP server", async () => {
    const port = await start(twoEndpoints(0))
    const e = await connect(`ws://127.0.0.1:${port}/echo`)
    e.send("x")
    expect(await e.next()).toBe("x")
    const r = await connect(`ws://127.0.0.1:${port}/rooms/lobby`)
    expect(await r.next()).toMatch(/joined lobby/)
    expect((await refused(`ws://127.0.0.1:${port}/nope`)).status).toBe(404)
    const body = await fetch(`http://127.0.0.1:${port}/`).then((res) => res.text())
    expect(body).toBe("plain HTTP still works\n")
  })

  it("counting sender: a replaced sender still routes, and counts", async () => {
    const counts = new Map<string, number>()
    const url = await listen({ handler: echo, sender: countingSender(counts) })
    const c = await connect(url)
    for (const m of ["1", "2", "3"]) c.send(m)
    expect([await c.next(), await c.next(), await c.next()]).toEqual(["1", "2", "3"])
    expect(counts.get("Unicast")).toBe(3)
    expect(counts.get("Register")).toBe(1)
  })
})

describe("limits.md", () => {
  it("1009 over maxMessageSize; 404 off path; 503 over maxConnections; pings when idle", async () => {
    const url = await listen(echo, tight)
    expect((await refused(`${url}/other`)).status).toBe(404)
    const a = await connect(`${url}/ws`)
    const b = await connect(`${url}/ws`)
    const third = await refused(`${url}/ws`)
    expect(third.status).toBe(503)
    expect(third.headers["retry-after"]).toBe("5")

    b.send("x".repeat(1025))
    expect((await b.closed).code).toBe(1009)
    await eventually(() => expect(a.pings).toBeGreaterThan(0), 2000)
    a.send("still open")
    expect(await a.next()).toBe("still open")
  })

  it("431 for a request head over maxHeadSize (listen only)", async () => {
    const url = await listen(echo, { maxHeadSize: 2048 })
    expect((await refused(url, { "x-big": "y".repeat(4096) })).status).toBe(431)
  })

  it("closes a client that stops reading with 1008 (slow consumer)", async () => {
    const { Command, Handler } = await import("@wspipe/server")
    const { Queue } = await import("effect")
    const big = "z".repeat(64 * 1024)
    // On "flood": 400 messages of 64 KiB for a client that has stopped reading.
    const flooder = Handler.fiber((inbox, sender) =>
      Effect.forever(
        Effect.gen(function* () {
          const events = yield* Inbox.takeAll(inbox)
          for (const e of events) {
            if (e._tag === "Message")
              yield* Queue.offerAll(
                sender,
                Array.from({ length: 400 }, () => Command.unicast(e.conn, big))
              )
          }
        })
      )
    )
    const url = await listen(flooder, { outboundQueueCapacity: 64 })
    const c = await connect(url)
    ;(c.ws as unknown as { _socket: Net.Socket })._socket.pause()
    c.send("flood")
    await new Promise((r) => setTimeout(r, 500))
    ;(c.ws as unknown as { _socket: Net.Socket })._socket.resume()
    const closed = await c.closed
    expect(closed.code).toBe(1008)
    expect(c.received.length).toBeLessThan(400)
  })

  it("handshakeTimeoutMs: a client that sends nothing is dropped", async () => {
    const server = await start(Server.listen(echo, { port: 0, handshakeTimeoutMs: 200 }))
    const socket = Net.connect(server.port!, "127.0.0.1")
    const t0 = Date.now()
    await new Promise((resolve) => socket.on("close", resolve))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150)
  })

  it("invalid options fail at start with a Server.ConfigError naming the option", () => {
    const error = resolveOptions({ maxMessageSize: -1 })
    expect(error).toBeInstanceOf(Server.ConfigError)
    expect((error as Server.ConfigError).option).toBe("maxMessageSize")
  })
})

/** Runs an example program in a child process (`node --import tsx`), as a user would. */
const spawnExample = (file: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: join(dirname(fileURLToPath(import.meta.url)), ".."),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Waits for the ready line of `Server.serve`. */
const readyUrl = (child: ReturnType<typeof spawnExample>) =>
  new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout!.on("data", (d) => {
      out += String(d)
      const m = /listening on (ws:\/\/\S+)/.exec(out)
      if (m !== null) resolve(m[1]!)
    })
    child.on("exit", (code) => reject(new Error(`exited ${code}`)))
  })

/** Everything the child wrote, and its exit code. */
const finished = (child: ReturnType<typeof spawnExample>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d) => (stdout += String(d)))
    child.stderr!.on("data", (d) => (stderr += String(d)))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

describe("running.md", () => {
  it("layer: Server.layer with a service the handler needs; other code reaches WsServer", async () => {
    const context = await start(Layer.build(layerApp({ port: 0, tickMs: 50 })))
    const server = Context.get(context, Server.WsServer)
    const c = await connect(server.url!)
    c.send("ann")
    expect(await c.next((m) => !m.startsWith("tick"))).toBe("hello, ann")
    expect(await c.next((m) => m.startsWith("tick"))).toMatch(/^tick \d+$/)
  })

  it("embedded: listen inside one's own scoped program, next to an HTTP status port", async () => {
    const { url, status } = await start(embedded({ wsPort: 0, statusPort: 0 }))
    const c = await connect(url)
    c.send("x")
    expect(await c.next()).toBe("x")
    expect(await fetch(status).then((res) => res.text())).toBe("1 connected\n")
  })

  it("cli-main: flags with an own one, --help (exit 0), a bad flag (exit 2), SIGTERM (1001, exit 0)", async () => {
    const help = await finished(spawnExample("examples/cli-main.ts", ["--help"]))
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--greeting TEXT")
    expect(help.stdout).toContain("--port PORT")
    const bad = await finished(spawnExample("examples/cli-main.ts", ["--port", "x"]))
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split("\n")).toEqual(['greeter: --port: expected an integer 0–65535, got "x"'])

    const child = spawnExample("examples/cli-main.ts", ["--port", "0", "--greeting", "hi"])
    const done = finished(child)
    const c = await connect(await readyUrl(child))
    c.send("ann")
    expect(await c.next()).toBe("hi ann")
    child.kill("SIGTERM")
    expect((await c.closed).code).toBe(1001)
    expect((await done).code).toBe(0)
  }, 30_000)

  it("a failed start: exit 1 with one line on stderr", async () => {
    const blocker = Net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const port = (blocker.address() as Net.AddressInfo).port
    try {
      const result = await finished(spawnExample("examples/cli-main.ts", ["--port", String(port)]))
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining(`cannot listen on 127.0.0.1:${port}`)])
    } finally {
      blocker.close()
    }
  }, 30_000)
})

describe("README.md", () => {
  // echo-main.ts reads PORT itself (runMain reads no argv or environment); 0 picks a free port.
  it("echo-main: serve prints its address, serves, and runMain exits 0 on SIGTERM", async () => {
    const child = spawnExample("examples/echo-main.ts", [], { PORT: "0" })
    const done = finished(child)
    const url = await readyUrl(child)
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/)
    expect(url).not.toBe("ws://127.0.0.1:0/")
    const c = await connect(url)
    c.send("hi")
    expect(await c.next()).toBe("hi")
    child.kill("SIGTERM")
    expect((await c.closed).code).toBe(1001)
    expect((await done).code).toBe(0)
  }, 20_000)
})
