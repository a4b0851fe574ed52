/** `pnpm chat [flags]` (`--help` lists them): broadcast-except-source chat with topics, by default on 127.0.0.1:9001. */
import { Server } from "@wspipe/server"
import { Cli } from "@wspipe/server/cli"
import { chat } from "./chat.js"

const defaults = { host: "127.0.0.1", port: 9001 }
Cli.main("chat", "the wspipe chat server", Cli.serverFlags(defaults), (options) =>
  Server.runMain(Cli.withOperations(options, (listen) => Server.serve(chat, { ...defaults, ...listen }))))
