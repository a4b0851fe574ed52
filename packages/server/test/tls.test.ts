/**
 * TLS (`wss://`) over real sockets, with certificates made at test time (support/certs.ts): the
 * `ws` client verifying against the test CA, one handshake budget from the TCP accept through
 * the HTTP request, TLS errors that cost only their own socket, start-up errors, `attach` to an
 * `https` server, and the `--tls-cert`/`--tls-key` flags of a program.
 */
import { spawn } from "node:child_process"
import { dirname, join } from "node:path"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import WebSocket from "ws"
import { echo } from "../../../apps/echo/src/echo.js"
import { Server } from "../src/index.js"
import { makeCerts } from "./support/certs.js"
import { connect, within } from "./support/client.js"
import { start } from "./support/server.js"

const certs = makeCerts()
afterAll(() => certs.remove())
const tls = { key: certs.key, cert: certs.cert }
const trustCa = { ca: certs.caCert }

/** Resolves with how long after `since` the socket closed. */
const closedAfter = (socket: Net.Socket, since: number, what: string) =>
  within(new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - since))), 5_000, what)

/** Opens TCP to the port and does nothing else. */
const tcp = (port: number) =>
  new Promise<Net.Socket>((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1", () => resolve(socket))
    socket.on("error", reject)
  })

describe("listen with tls", () => {
  it.live("serves wss://: the ws client, trusting only the test CA, echoes small and 1 MiB messages", () =>
    Effect.gen(function* () {
      const { url, server } = yield* start(echo, { tls })
      expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/$/)
      const client = yield* connect(url, undefined, trustCa)
      yield* client.send("over TLS")
      expect(yield* client.nextText()).toBe("over TLS")
      const big = Buffer.alloc(1 << 20, 7)
      yield* client.send(big)
      expect((yield* client.next()).data.equals(big)).toBe(true)
      expect(server.connections()).toBe(1)
      const socket = (client.ws as unknown as { _socket: Tls.TLSSocket })._socket
      expect(socket.getProtocol()).toMatch(/^TLSv1\.[23]$/)
    })
  )

  it.live("a client that does not trust the certificate fails its TLS handshake (verification is real)", () =>
    Effect.gen(function* () {
      const { url } = yield* start(echo, { tls })
      const error = yield* Effect.promise(() =>
        within(
          new Promise<Error>((resolve) => {
            const ws = new WebSocket(url)
            ws.on("error", resolve)
          }),
          5_000,
          "the TLS failure"
        )
      )
      expect((error as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE")
    })
  )

  it.live("a client that opens TCP and never starts TLS is dropped after handshakeTimeoutMs", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo, { tls, handshakeTimeoutMs: 300 })
      const since = Date.now()
      const socket = yield* Effect.promise(() => tcp(port))
      const after = yield* Effect.promise(() => closedAfter(socket, since, "the server to drop the silent client"))
      expect(after).toBeGreaterThanOrEqual(250)
      expect(after).toBeLessThan(1_500)
    })
  )

  it.live("one budget from the TCP accept: 400 ms before TLS leaves the request only the rest of 800 ms", () =>
    Effect.gen(function* () {
      const { port } = yield* start(echo, { tls, handshakeTimeoutMs: 800 })
      const since = Date.now()
      const raw = yield* Effect.promise(() => tcp(port))
      yield* Effect.sleep("400 millis")
      const secure = Tls.connect({ socket: raw, ...trustCa, servername: "localhost" })
      secure.on("error", () => {})
      yield* Effect.promise(() => within(new Promise((resolve) => secure.once("secureConnect", resolve)), 5_000, "TLS"))
      // No HTTP request follows: the server closes at 800 ms from the accept, not at 400 + 800.
      const after = yield* Effect.promise(() => closedAfter(raw, since, "the server to drop the client without a request"))
      expect(after).toBeGreaterThanOrEqual(750)
      expect(after).toBeLessThan(1_100)
    })
  )

  it.live("TLS errors cost only their socket: plain HTTP, garbage, a reset mid-handshake, a client that refuses the certificate", () =>
    Effect.gen(function* () {
      const { url, port } = yield* start(echo, { tls })
      const dropped = (socket: Net.Socket, what: string) => {
        socket.on("error", () => {})
        socket.resume() // read, to see the server's alert and its end
        return closedAfter(socket, Date.now(), what)
      }
      const plain = yield* Effect.promise(() => tcp(port))
      const plainDropped = dropped(plain, "plain HTTP to be dropped")
      plain.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n")
      const garbage = yield* Effect.promise(() => tcp(port))
      const garbageDropped = dropped(garbage, "garbage to be dropped")
      garbage.write(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5])) // application data before any handshake
      const reset = yield* Effect.promise(() => tcp(port))
      const resetDone = dropped(reset, "the reset socket to close")
      reset.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01])) // the start of a ClientHello…
      yield* Effect.sleep("30 millis")
      reset.resetAndDestroy() // …then a TCP reset
      const refusing = Tls.connect({ port, host: "127.0.0.1", servername: "localhost" }) // no CA: it aborts with an alert
      refusing.on("error", () => {})
      const refused = within(new Promise((resolve) => refusing.once("close", resolve)), 5_000, "the refusing client to close")
      yield* Effect.promise(() => Promise.all([plainDropped, garbageDropped, resetDone, refused]))
      yield* Effect.sleep("50 millis")
      const client = yield* connect(url, undefined, trustCa)
      yield* client.send("still serving")
      expect(yield* client.nextText()).toBe("still serving")
    })
  )

  it.live("a bad TLS record or a reset after a rejected request costs only that socket", () =>
    Effect.gen(function* () {
      const { url, port } = yield* start(echo, { tls, path: "/ws" })
      const raw = yield* Effect.promise(() => tcp(port))
      const secure = Tls.connect({ socket: raw, ...trustCa, servername: "localhost" })
      secure.on("error", () => {})
      yield* Effect.promise(() => within(new Promise((resolve) => secure.once("secureConnect", resolve)), 5_000, "TLS"))
      secure.write(
        "GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
      )
      const answer = yield* Effect.promise(() =>
        within(new Promise<string>((resolve) => secure.once("data", (d: Buffer) => resolve(String(d)))), 5_000, "the 404")
      )
      expect(answer).toMatch(/^HTTP\/1\.1 404/)
      // Under the TLS layer: a record the server cannot decrypt (a TLS error), then a TCP reset.
      raw.write(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, ...Array<number>(32).fill(9)]))
      yield* Effect.sleep("50 millis")
      raw.resetAndDestroy()
      yield* Effect.sleep("100 millis")
      const client = yield* connect(`${url}ws`, undefined, trustCa)
      yield* client.send("still serving")
      expect(yield* client.nextText()).toBe("still serving")
    })
  )

  it.live("a shutdown closes wss clients with 1001", () =>
    Effect.gen(function* () {
      const { url, close } = yield* start(echo, { tls })
      const client = yield* connect(url, undefined, trustCa)
      yield* close
      expect((yield* client.waitClosed()).code).toBe(1001)
    })
  )

  it.live("a missing key, or a key of another certificate, fails at start with a ConfigError naming tls", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(Server.listen(echo, { port: 0, tls: { cert: certs.cert } }))
      expect(missing).toMatchObject({ _tag: "ConfigError", option: "tls" })
      const other = makeCerts()
      const mismatch = yield* Effect.flip(Server.listen(echo, { port: 0, tls: { cert: certs.cert, key: other.key } }))
      other.remove()
      expect(mismatch).toMatchObject({ _tag: "ConfigError", option: "tls" })
      expect(mismatch.message).toMatch(/tls: .*key values mismatch/)
    }).pipe(Effect.scoped)
  )
})

describe("attach to an https server", () => {
  it.live("upgrades arrive over TLS; the ws client verifies with the test CA", () =>
    Effect.gen(function* () {
      const https = Https.createServer(tls, (_req, res) => res.end("page"))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          https.closeAllConnections()
          https.close()
        })
      )
      yield* Server.attach(https, echo, { path: "/ws" })
      yield* Effect.promise(() => new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve)))
      const { port } = https.address() as Net.AddressInfo
      const client = yield* connect(`wss://localhost:${port}/ws`, undefined, trustCa)
      yield* client.send("through https")
      expect(yield* client.nextText()).toBe("through https")
    })
  )
})

describe("the --tls-cert and --tls-key flags", () => {
  const cwd = join(dirname(fileURLToPath(import.meta.url)), "..")
  const run = (args: ReadonlyArray<string>) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/main-program.ts", "--port", "0", ...args], { cwd })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += String(d)))
    child.stderr.on("data", (d) => (stderr += String(d)))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    return { child, exited, stdout: () => stdout, stderr: () => stderr }
  }

  it("read the files at start and serve wss://; the ready line says so", async () => {
    const program = run(["--tls-cert", certs.certPath, "--tls-key", certs.keyPath])
    try {
      const url = await within(
        new Promise<string>((resolve) => {
          program.child.stdout.on("data", () => {
            const m = /listening on (wss:\/\/\S+)/.exec(program.stdout())
            if (m !== null) resolve(m[1]!)
          })
        }),
        20_000,
        "the ready line"
      )
      const ws = new WebSocket(url, trustCa)
      await within(
        new Promise((resolve, reject) => {
          ws.once("open", resolve)
          ws.once("error", reject)
        }),
        5_000,
        "the wss connection"
      )
      ws.send("hi")
      expect(String(await within(new Promise((resolve) => ws.once("message", resolve)), 5_000, "the echo"))).toBe("hi")
      ws.terminate()
    } finally {
      program.child.kill("SIGTERM")
      expect(await program.exited).toBe(0)
    }
  }, 30_000)

  it("an unreadable file exits 2 naming the flag; a certificate without its key exits 1", async () => {
    const unreadable = run(["--tls-cert", join(certs.dir, "nope.pem"), "--tls-key", certs.keyPath])
    expect(await unreadable.exited).toBe(2)
    expect(unreadable.stderr()).toMatch(/--tls-cert: cannot read ".*nope\.pem": ENOENT/)
    const alone = run(["--tls-cert", certs.certPath])
    expect(await alone.exited).toBe(1)
    expect(alone.stderr()).toContain("tls needs key and cert")
  }, 30_000)
})
