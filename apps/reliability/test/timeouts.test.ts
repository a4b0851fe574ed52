/**
 * Timeouts over real sockets (docs/limits.md): the handshake timeout, and the idle
 * timeout with server pings — a peer that answers stays, a peer that stops answering (a half-open
 * connection: it neither reads nor writes) is closed after about twice `idleTimeoutMs`.
 */
import { afterEach, describe, expect, it } from "vitest"
import { Op, upgradeRequest } from "@wspipe/test-frames"
import { Client } from "./support/client.js"
import { recordingEcho } from "./support/handlers.js"
import { startServer, stopAll } from "./support/server.js"
import { sleep, waitFor, within } from "./support/wait.js"
import { rawConnect, rawUpgrade } from "./support/raw.js"

afterEach(stopAll)

const IDLE = 300

describe("handshake timeout", () => {
  it("a client that sends half a request has its socket closed after handshakeTimeoutMs; one that finishes in time is upgraded", async () => {
    const { port } = await startServer(recordingEcho().handler, { handshakeTimeoutMs: 400 })
    const request = upgradeRequest()
    const half = await rawConnect(port, request.slice(0, request.length >> 1))
    const started = Date.now()
    // In time: the rest comes 150 ms later.
    const slowButOk = await rawConnect(port, request.slice(0, 20))
    await sleep(150)
    slowButOk.socket.write(request.slice(20))
    await waitFor(() => slowButOk.head !== "", 5_000, "the 101 for the client that finished in time")
    expect(slowButOk.head).toMatch(/^HTTP\/1\.1 101 /)

    await within(Promise.race([half.ended, half.closed]), 5_000, "the half-request socket to be closed")
    const elapsed = Date.now() - started
    expect(half.head).toBe("") // closed without an answer
    expect(elapsed).toBeGreaterThanOrEqual(400 - 20) // not before the timeout (timer slack)
    slowButOk.socket.destroy()
  })

  it("the default is 10 s (see limits.test.ts for every default)", async () => {
    const { defaults } = await import("@wspipe/server/internal")
    expect(defaults.handshakeTimeoutMs).toBe(10_000)
  })
})

describe("idle timeout with server pings", () => {
  it("a peer that answers pings stays open across many idle periods", async () => {
    const { url, server } = await startServer(recordingEcho().handler, { idleTimeoutMs: IDLE })
    const client = await Client.open(url) // `ws` answers every Ping with a Pong by itself
    await sleep(IDLE * 6)
    expect(client.pings.length).toBeGreaterThanOrEqual(2)
    expect(client.closeCode).toBeUndefined()
    expect(server.connections()).toBe(1)
    expect(await client.request("alive")).toBe("alive")
  })

  it("a peer that stops reading and answering (half-open) is closed after ~2× idleTimeoutMs; the handler sees 1001 from the idle timeout", async () => {
    const echo = recordingEcho()
    const { port, server } = await startServer(echo.handler, { idleTimeoutMs: IDLE, closeTimeoutMs: 200 })
    const other = await Client.open(`ws://127.0.0.1:${port}/`)
    const silent = await rawUpgrade(port)
    silent.socket.pause() // reads nothing from now on, and never answers the Ping or the Close
    const started = Date.now()
    await waitFor(() => server.connections() === 1, IDLE * 2 + 200 + 3_000, "the silent peer to be dropped")
    const elapsed = Date.now() - started
    // Ping after one idle period, Close 1001 after the second, TCP dropped closeTimeoutMs later.
    expect(elapsed).toBeGreaterThanOrEqual(IDLE * 2 - 20)
    silent.socket.resume() // what the kernel still holds for it: a Ping, then Close 1001
    await waitFor(() => silent.closeCode() !== undefined, 2_000, "the Close frame")
    const ops = silent.frames.map((f) => f.opcode)
    expect(ops.indexOf(Op.Ping)).toBeGreaterThanOrEqual(0)
    expect(ops.indexOf(Op.Ping)).toBeLessThan(ops.indexOf(Op.Close))
    expect(silent.closeCode()).toBe(1001)
    // The handler learns of it, and why: the server's idle timeout closed it with 1001.
    await waitFor(() => echo.ended.length === 1, 2_000, "the handler's Closed event")
    expect(echo.ended[0]).toMatchObject({ code: 1001, origin: "idle" })
    // The answering peer next to it was not touched.
    expect(other.closeCode).toBeUndefined()
    expect(await other.request("still open")).toBe("still open")
    console.log(`idle: silent peer dropped after ${elapsed} ms (idleTimeoutMs ${IDLE}, closeTimeoutMs 200)`)
  })
})
