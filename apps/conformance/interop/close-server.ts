/**
 * A tiny wspipe server for the "server-initiated close" interop tests: it echoes like the echo app,
 * except that the text message "close-me" makes the server start the closing handshake with
 * 4001 / "server says bye" (RFC 6455 §7.1.2). The echo app never closes by itself, so the clients'
 * handling of a server's Close frame (code and reason) needs this.
 *
 * Same CLI contract as apps/echo/src/main.ts (`--port 0 --host 127.0.0.1`, one ready line, exits on
 * SIGTERM), so interop/echo-server.ts starts it the same way.
 *
 * Imported by relative path because @wspipe/server is not (yet) a dependency of
 * @wspipe/conformance; `import ... from "@wspipe/server"` works once it is.
 */
import { Effect, Queue } from "effect"
import { Cli } from "../../../packages/server/src/cli/index.js"
import { Command, Event, Handler, Inbox, Server } from "../../../packages/server/src/index.js"
import { CLOSE_TRIGGER, SERVER_CLOSE_CODE, SERVER_CLOSE_REASON } from "./util.js"

const closeOnRequest = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        const out: Array<Command.Command> = []
        for (const e of events) {
          if (e._tag !== "Message") continue
          if (e.kind === "text" && Event.text(e) === CLOSE_TRIGGER) {
            out.push(Command.close(e.conn, SERVER_CLOSE_CODE, SERVER_CLOSE_REASON))
          } else {
            out.push(Command.unicast(e.conn, e))
          }
        }
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      })
    ),
  { name: "close-on-request" }
)

const defaults = { host: "127.0.0.1", port: 0 }
Cli.main("close-server", "echo, and a server-initiated close on request", Cli.serverFlags(defaults), (options) =>
  Server.runMain(Server.serve(closeOnRequest, { ...defaults, ...options }))
)
