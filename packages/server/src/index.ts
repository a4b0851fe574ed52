/**
 * @wspipe/server — the actor runtime: socket receiver → receiver → handler → sender → socket
 * sender, each an Effect fiber, joined by bounded queues. One namespace per concept:
 *
 * - `Server`: listen, attach, layer, serve, runMain, options
 * - `Handler`: the handler actor (`fiber`, `batch`, `byPath`); `Callbacks`: the callback API
 * - `Inbox`: what a handler or stage takes from; `Stage`: actors put between two others
 * - `Event` (what the handler gets), `Command` (what it gives), `Handshake` (its say in the upgrade),
 *   `Prepared` (a message framed and compressed once, sent many times)
 * - `Reading`: pausing one connection's reads; `Metrics`: the server's metrics, their Prometheus
 *   text and a `/metrics` endpoint; `Logs`: JSON or pretty logs and their level
 * - `Pipeline`: the configuration of a custom pipeline
 * - `Bus`: many processes and machines as one server (Redis transport in `@wspipe/bus-redis`)
 *
 * The actors themselves and the runtime's messages, for people composing or testing their own
 * pipelines, are in `@wspipe/server/internal`.
 *
 * @module
 */
export * as Bus from "./bus/index.js"
export * as Callbacks from "./handlers/callbacks.js"
export * as Command from "./messages/command.js"
export type { Address, Connection } from "./connection/connection.js"
export * as Event from "./messages/event.js"
export * as Handler from "./actors/handler.js"
export * as Handshake from "./connection/handshake.js"
export * as Inbox from "./runtime/inbox.js"
export * as Logs from "./runtime/logs.js"
export * as Metrics from "./runtime/metrics-api.js"
export type * as Pipeline from "./runtime/pipeline.js"
export * as Prepared from "./messages/prepared.js"
export * as Reading from "./connection/reading.js"
export * as Server from "./runtime/server.js"
export * as Stage from "./runtime/stage.js"
