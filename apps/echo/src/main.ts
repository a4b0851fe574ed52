/** `pnpm echo [flags]` (`--help` lists them): the bundled echo server, by default on 127.0.0.1:9000. */
import { runScaled } from "@wspipe/bus-redis"
import { Cli } from "@wspipe/server/cli"
import { echo } from "./echo.js"

const defaults = { host: "127.0.0.1", port: 9000 }
Cli.main("echo", "the wspipe echo server", [...Cli.serverFlags(defaults), ...Cli.scaleFlags], (options) =>
  runScaled(echo, { ...defaults, ...options })
)
