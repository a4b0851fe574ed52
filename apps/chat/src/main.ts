/** `pnpm chat [--host H] [--port P]`: broadcast-except-source chat with topics (default 127.0.0.1:9001). */
import { runMain } from "@wspipe/server"
import { chat } from "./chat.js"

runMain(chat, { port: 9001 })
