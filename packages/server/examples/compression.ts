// packages/server/examples/compression.ts
/**
 * permessage-deflate tuned for a stream of small, similar JSON messages: a lower threshold (most
 * of them are under the default 1 KiB), context takeover in both directions for a better ratio
 * (it costs memory per connection: see "Memory" in docs/compression.md), smaller windows to bound
 * that memory, and a handshake hook that turns compression off for clients on `/raw`.
 */
import { Command, Handler, Handshake, type Server } from "@wspipe/server"

export const options: Server.ServerOptions = {
  perMessageDeflate: {
    threshold: 64,
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 11,
    clientMaxWindowBits: 11
  }
}

export const echo = Handler.batch((events) => events.flatMap((e) => (e._tag === "Message" ? [Command.unicast(e.conn, e)] : [])), {
  // `request.compression` is what the server would agree to (undefined: no acceptable offer).
  handshake: (request) => Handshake.accept({ compression: request.path !== "/raw" })
})
