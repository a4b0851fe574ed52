/**
 * @wspipe/server — the actor runtime: socket receiver → receiver → handler → sender → socket
 * sender, each an Effect fiber, joined by bounded queues (DESIGN §1).
 *
 * @module
 */
export * as Callbacks from "./callbacks.js"
export * as Command from "./command.js"
export type { Connection } from "./connection.js"
export * as Event from "./event.js"
export * as Handler from "./handler.js"
export * as Handshake from "./handshake.js"
export { ConfigError, defaults, resolveOptions, type ServerOptions } from "./options.js"
export * as Pipeline from "./pipeline.js"
export * as Server from "./server.js"
export * as Stage from "./stage.js"
export { metrics } from "./stats.js"
export { supervise } from "./supervisor.js"
export { receiver } from "./receiver.js"
export { sender, type SenderOptions, type SlowConsumerPolicy } from "./sender.js"
export { SocketReceiver } from "./socket-receiver.js"
export { SocketSender } from "./socket-sender.js"
export type * as SocketInput from "./socket-input.js"
export type * as Control from "./control.js"
export type { Outbound } from "./outbound.js"
export { parseListenArgs, runMain, type RunMainOptions } from "./run-main.js"
export * as Flow from "./flow.js"
