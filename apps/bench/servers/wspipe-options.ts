// The wspipe echo and chat apps' handlers with the permessage-deflate setting given on the command
// line (the apps themselves run with the server's defaults): the bench's compression scenarios
// compare settings with the same handler and the same program. Bundled by src/build.ts into
// bin/wspipe-options.mjs; `node bin/wspipe-options.mjs --job echo|broadcast --deflate SETTING
// --port 0 --host 127.0.0.1`, SETTING one of the keys of `settings`.
import { Server } from "@wspipe/server"
import { parseArgs } from "node:util"
import { chat } from "../../chat/src/chat.js"
import { echo } from "../../echo/src/echo.js"

/** Server.ServerOptions["perMessageDeflate"] per setting (docs/limits.md, "Compression"). */
const settings = {
  default: undefined,
  off: false,
  "takeover-15": { serverNoContextTakeover: false, clientNoContextTakeover: false },
  // The server's context only (the client still starts afresh): a compressor per connection, no window copy.
  "server-takeover-15": { serverNoContextTakeover: false, clientNoContextTakeover: true },
  "takeover-9": { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
  "takeover-15-m1": { serverNoContextTakeover: false, clientNoContextTakeover: false, memLevel: 1 },
  "takeover-10-m3": {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 10,
    memLevel: 3
  }
} as const

const { values } = parseArgs({
  options: {
    job: { type: "string", default: "echo" },
    deflate: { type: "string", default: "default" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" }
  }
})
const setting = values.deflate as keyof typeof settings
if (!(setting in settings) || (values.job !== "echo" && values.job !== "broadcast")) {
  process.stderr.write(`wspipe-options: --job echo|broadcast, --deflate ${Object.keys(settings).join("|")}\n`)
  process.exit(2)
}
Server.runMain(
  Server.serve(values.job === "echo" ? echo : chat, {
    host: values.host,
    port: Number(values.port),
    ...(settings[setting] === undefined ? {} : { perMessageDeflate: settings[setting] })
  })
)
