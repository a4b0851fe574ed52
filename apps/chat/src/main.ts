/**
 * `pnpm chat [flags]` (`--help` lists them): broadcast-except-source chat with topics, by default
 * on 127.0.0.1:9001. The same port serves the browser page: http://127.0.0.1:9001/.
 */
import { runScaled } from "@wspipe/bus-redis"
import { Cli } from "@wspipe/server/cli"
import { chat } from "./chat.js"
import { chatPage } from "./page/responder.js"

const defaults = { host: "127.0.0.1", port: 9001 }
Cli.main("chat", "the wspipe chat server and its page", [...Cli.serverFlags(defaults), ...Cli.scaleFlags], (options) =>
  runScaled(chat, { ...defaults, ...options, httpRequest: chatPage })
)
