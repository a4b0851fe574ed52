/**
 * @wspipe/server/internal — the actors and the runtime's own messages, for people composing or
 * testing their own pipelines (docs/composing-pipelines.md). Not covered by the root API's
 * stability: names here follow the runtime.
 *
 * @module
 */
export { receiver } from "./actors/receiver.js"
export { sender, type SenderOptions, type SlowConsumerPolicy } from "./actors/sender.js"
export { SocketReceiver, type SocketReceiverShared } from "./actors/socket-receiver.js"
export { SocketSender, type SocketSenderShared } from "./actors/socket-sender.js"
export * as BusActor from "./bus/bus.js"
export * as BusWire from "./bus/wire.js"
export * as Framing from "./actors/sender/framing.js"
export { IdleWatch, type Watched } from "./connection/idle-watch.js"
export { makeConnection, type ConnectionRecord } from "./connection/connection.js"
export { makeHandle } from "./handlers/connection-handle.js"
export * as RuntimeMessage from "./messages/runtime-message.js"
export type * as SocketInput from "./messages/socket-input.js"
export type * as Outbound from "./messages/outbound.js"
export { make as makePipeline, type Pipeline } from "./runtime/pipeline.js"
export { defaults, resolveOptions, type ResolvedOptions } from "./runtime/options.js"
export { Recorder } from "./runtime/recorder.js"
export * as PipelineScheduler from "./runtime/scheduler.js"
export { supervise, type Role } from "./runtime/supervisor.js"
export type { RunFork } from "./runtime/run-fork.js"
