/**
 * Child process of actor-queue.test.ts (run with `node --expose-gc --import tsx`, with IPC): the
 * echo handler in a real server, and V8's old generation on request — `"gc"` runs two full
 * collections (so the server's long-lived objects are old, as after a few seconds of service),
 * `"old"` replies with the old space's used bytes without collecting.
 */
import * as V8 from "node:v8"
import { Command, Handler, Server } from "../../src/index.js"

declare const gc: () => void

const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])))
Server.runMain(Server.serve(echo, { host: "127.0.0.1", port: 0 }))

process.on("message", (request) => {
  if (request === "gc") {
    gc()
    gc()
  }
  const used = V8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size
  process.send!({ request, used })
})
