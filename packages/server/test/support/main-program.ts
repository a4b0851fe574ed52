/**
 * Child process of run-main.test.ts (run with `node --import tsx`): a program built like the
 * apps — `Cli.main` for the flags, `Server.runMain(Server.serve(…))` to run — so its exit codes,
 * ready line and shutdown can be seen from outside.
 */
import { Command, Handler, Server } from "../../src/index.js"
import { Cli } from "../../src/cli/index.js"

const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])))
const defaults = { host: "127.0.0.1", port: 0 }
Cli.main("main-program", "a test server", Cli.serverFlags(defaults), (options) =>
  Server.runMain(Server.serve(echo, { ...defaults, ...options }))
)
