// packages/server/examples/two-endpoints.ts
/**
 * Two WebSocket endpoints on one existing HTTP server, one `attach` per path. Each attach is a
 * whole pipeline of its own (its own receiver, handler and sender), so a broadcast on one never
 * reaches the other's clients. Plain HTTP requests go to the HTTP server's own handler.
 *
 * With a `path`, an attach ignores upgrades for other paths when another `upgrade` listener
 * exists. So a path that no attach serves needs a listener of its own that answers 404; without
 * it the client waits until its own timeout.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { Server } from "@wspipe/server"
import { Effect } from "effect"
import { echo } from "./echo.js"
import { rooms } from "./rooms.js"

export const main = (port: number) =>
  Effect.gen(function* () {
    const http = Http.createServer((_req, res) => res.end("plain HTTP still works\n"))
    yield* Server.attach(http, echo, { path: "/echo" })
    yield* Server.attach(http, rooms, { path: "/rooms/lobby" })
    const served = new Set(["/echo", "/rooms/lobby"])
    http.on("upgrade", (req: Http.IncomingMessage, socket: Duplex) => {
      const path = (req.url ?? "/").split("?", 1)[0]!
      if (!served.has(path)) socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    })
    yield* Effect.acquireRelease(
      Effect.callback<void>((resume) => {
        http.listen(port, "127.0.0.1", () => resume(Effect.void))
      }),
      () => Effect.sync(() => http.close())
    )
    return (http.address() as AddressInfo).port
  })
