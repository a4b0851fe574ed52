// packages/server/examples/embedded.ts
/**
 * A server inside a program of your own: `Server.listen` in your scoped Effect, next to the rest
 * of the program (here a plain HTTP port that says how many clients are connected). The server
 * lives as long as the scope. When the scope closes (the program ends, fails or is interrupted),
 * every client gets Close 1001 before the sockets are released. A failed start is a typed error
 * (`ConfigError` for a bad option, `ListenError` for a port in use) that the program can handle.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Server } from "@wspipe/server"
import { Effect } from "effect"
import { echo } from "./echo.js"

export const program = (options: { readonly wsPort: number; readonly statusPort: number }) =>
  Effect.gen(function* () {
    const server = yield* Server.listen(echo, { port: options.wsPort })
    const status = Http.createServer((_req, res) => res.end(`${server.connections()} connected\n`))
    yield* Effect.acquireRelease(
      Effect.callback<void>((resume) => {
        status.listen(options.statusPort, "127.0.0.1", () => resume(Effect.void))
      }),
      () => Effect.sync(() => status.close())
    )
    return { url: server.url!, status: `http://127.0.0.1:${(status.address() as AddressInfo).port}/` }
  })
