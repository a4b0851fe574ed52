/**
 * Faults over real sockets: a failing callback costs only its connection (1011); a
 * handler fiber that dies is restarted with its connections kept (logged and counted); peers that
 * vanish — reset mid-frame, FIN without a Close — cost only their own connection, and the handler
 * gets `Closed` with 1006 (RFC 6455 §7.1.5). Half-open peers: see timeouts.test.ts.
 */
import { Callbacks, Command, Handler, Inbox, Metrics } from "@wspipe/server"
import { Effect, Metric, Queue } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { frame, Op } from "@wspipe/test-frames"
import { Client, gapFreePrefix, seqOf } from "./support/client.js"
import { recordingEcho } from "./support/handlers.js"
import { startServer, stopAll } from "./support/server.js"
import { waitFor, within } from "./support/wait.js"
import { rawUpgrade } from "./support/raw.js"

afterEach(stopAll)

const count = (metric: typeof Metrics.metrics.handlerRestarts) => Number(Effect.runSync(Metric.value(metric)).count)

/** `n` numbered messages from each client at once; resolves when all echoes are back. */
const traffic = async (clients: ReadonlyArray<Client>, n: number) => {
  const base = clients.map((c) => c.messages.length)
  for (let i = 0; i < n; i++) for (const c of clients) c.send(`${i}`)
  await Promise.all(clients.map((c, k) => c.waitCount(base[k]! + n, 15_000)))
  for (const [k, c] of clients.entries()) {
    expect(gapFreePrefix(c.messages.slice(base[k]).map(seqOf))).toBeUndefined()
    expect(c.closeCode).toBeUndefined()
  }
}

describe("a failing callback", () => {
  it("throwing, failing or dying closes only its connection with 1011, among concurrent traffic", async () => {
    const closed: Array<number> = []
    const handler = Callbacks.make<number>({
      init: () => 0,
      message: (data: string | Uint8Array, n: number) => {
        if (data === "throw") throw new Error("a bug")
        if (data === "fail") return Effect.fail("a failure")
        if (data === "die") return Effect.sleep(1).pipe(Effect.andThen(Effect.die("an async defect")))
        return Effect.as(Callbacks.write(data), n + 1)
      },
      closed: (reason) => void closed.push(reason.code)
    })
    const before = count(Metrics.metrics.callbackFailures)
    const { url } = await startServer(handler)
    const good = await Promise.all([0, 1, 2, 3].map(() => Client.open(url)))
    const bad = await Promise.all(["throw", "fail", "die"].map(() => Client.open(url)))
    const running = traffic(good, 300)
    for (const [k, b] of bad.entries()) {
      b.send("0")
      b.send(["throw", "fail", "die"][k]!)
      b.send("never answered")
    }
    await running
    for (const b of bad) {
      expect(await b.waitClosed()).toBe(1011)
      expect(b.messages.map(String)).toEqual(["0"]) // nothing after the failure
    }
    await traffic(good, 50) // and still afterwards
    expect(count(Metrics.metrics.callbackFailures) - before).toBe(3)
    await waitFor(() => closed.filter((c) => c === 1011).length === 3, 2_000, "closed() for the failed connections")
  })
})

describe("a handler fiber that dies", () => {
  it("is restarted by the supervisor; open connections keep working; the restart is logged and counted", async () => {
    const handler = Handler.fiber(
      (inbox, sender) =>
        Effect.forever(
          Effect.gen(function* () {
            const events = yield* Inbox.takeAll(inbox)
            const out: Array<Command.Command> = []
            for (const e of events) {
              if (e._tag !== "Message") continue
              if (Buffer.from(e.data).toString() === "crash") return yield* Effect.die(new Error("handler crashed"))
              out.push(Command.unicast(e.conn, e))
            }
            yield* Queue.offerAll(sender, out)
          })
        ),
      { name: "fragile" }
    )
    const before = count(Metrics.metrics.handlerRestarts)
    const { url, server, logs } = await startServer(handler)
    const clients = await Promise.all([0, 1, 2, 3].map(() => Client.open(url)))
    await traffic(clients, 100)
    clients[0]!.send("crash")
    await waitFor(() => count(Metrics.metrics.handlerRestarts) === before + 1, 5_000, "the restart to be counted")
    // The batch that held "crash" is lost (docs/handler-fiber.md); everything after it is served.
    await traffic(clients, 200)
    expect(server.connections()).toBe(4)
    expect(logs.some((l) => /handler "fragile" died/.test(l) && /Error/.test(l))).toBe(true)
    expect(await (await Client.open(url)).request("new after restart")).toBe("new after restart")
  })
})

describe("peers that vanish", () => {
  it("a reset in the middle of a frame costs only that connection; the handler gets Closed 1006", async () => {
    const echo = recordingEcho()
    const { url, port, server } = await startServer(echo.handler)
    const others = await Promise.all([0, 1, 2].map(() => Client.open(url)))
    const raw = await rawUpgrade(port)
    await waitFor(() => echo.opened.length === 4, 5_000, "four connections open")
    const rawId = echo.opened[3]! // opened after the three `ws` clients
    const running = traffic(others, 300)
    const half = frame(Op.Binary, Buffer.alloc(10_000, 1))
    raw.socket.write(half.subarray(0, 5_000)) // the header and half the payload
    await waitFor(() => raw.socket.writableLength === 0, 2_000, "the half frame to be written")
    raw.socket.resetAndDestroy()
    await running
    await waitFor(() => echo.ended.length === 1, 5_000, "Closed for the reset connection")
    expect(echo.ended[0]).toEqual({ conn: rawId, code: 1006, origin: "transport" })
    await waitFor(() => server.connections() === 3, 2_000, "the reset connection to be gone")
    await traffic(others, 50)
  })

  it("FIN without a Close frame: the messages before it are handled and answered, then the handler gets Closed 1006", async () => {
    const echo = recordingEcho()
    const { url, port, server } = await startServer(echo.handler)
    const other = await Client.open(url)
    const raw = await rawUpgrade(port)
    raw.socket.write(frame(Op.Text, Buffer.from("last words")))
    raw.socket.end() // FIN, no Close frame (RFC 6455 §7.1.5: abnormal closure)
    await within(raw.ended, 5_000, "the server to end TCP")
    expect(raw.frames.map((f) => f.payload.toString())).toEqual(["last words"])
    await waitFor(() => echo.ended.length === 1, 2_000, "Closed for the FIN connection")
    expect(echo.ended[0]!.code).toBe(1006)
    await waitFor(() => server.connections() === 1, 5_000, "the connection to be gone")
    expect(await other.request("unaffected")).toBe("unaffected")
  })
})
