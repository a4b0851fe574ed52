// packages/server/examples/cli-main.ts
// Run: npx tsx examples/cli-main.ts --port 9100 --greeting hi   (--help lists every flag)
/**
 * A server program with a command line. `Cli.main` parses the flags every server has
 * (`Cli.serverFlags`: host, port, sizes, connections, idle timeout) and one of the program's own,
 * prints `--help` (exit 0), and exits 2 with one line on a bad flag. `Server.runMain` itself
 * never reads argv: the program decides what its command line is.
 */
import { Command, Event, Handler, Server } from "@wspipe/server"
import { Cli } from "@wspipe/server/cli"

const defaults = { host: "127.0.0.1", port: 9000 }

const greetingFlag: Cli.Flag = {
  name: "greeting",
  type: "string",
  env: "GREETING",
  valueName: "TEXT",
  description: "put before every text message echoed",
  defaultText: "hello",
  apply: (value, into) => {
    into["greeting"] = String(value)
    return undefined
  }
}

Cli.main("greeter", "echoes text with a greeting", [...Cli.serverFlags(defaults), greetingFlag], (options) => {
  const { greeting = "hello", ...listenOptions } = options
  const greeter = Handler.batch((events) =>
    events.flatMap((e) =>
      e._tag === "Message" && e.kind === "text" ? [Command.unicast(e.conn, `${String(greeting)} ${Event.text(e)}`)] : []
    )
  )
  Server.runMain(Server.serve(greeter, { ...defaults, ...listenOptions }))
})
