/** `pnpm echo [--host H] [--port P]`: the bundled echo server (default 127.0.0.1:9000). */
import { runMain } from "@wspipe/server"
import { echo } from "./echo.js"

runMain(echo, { port: 9000 })
