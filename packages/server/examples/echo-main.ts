// packages/server/examples/echo-main.ts
// Run: npx tsx examples/echo-main.ts --port 9000   (Ctrl-C closes every client with 1001)
import { runMain } from "@wspipe/server"
import { echo } from "./echo.js"

runMain(echo, { port: 9000 })
