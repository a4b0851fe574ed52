// packages/server/examples/echo-main.ts
// Run: npx tsx examples/echo-main.ts   (Ctrl-C closes every client with 1001; PORT=9100 to move it)
import { Server } from "@wspipe/server"
import { echo } from "./echo.js"

Server.runMain(Server.serve(echo, { port: Number(process.env["PORT"] ?? 9000) }))
