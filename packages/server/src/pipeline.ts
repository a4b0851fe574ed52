/**
 * The pipeline: the bounded queues and the long-lived actors (receiver, handler, sender) wired as
 * in the Erlang diagram (DESIGN §1). Socket receivers and socket senders join it per connection
 * (`join.ts`). Users can put stages before or after the handler, or replace the receiver or the
 * sender (DESIGN §4).
 */
import { Duration, Effect, Queue, type Scope } from "effect"
import * as Command from "./command.js"
import type * as Control from "./control.js"
import type * as Event from "./event.js"
import type { Handler } from "./handler.js"
import type { HandshakeHook } from "./handshake.js"
import { IdleWatch } from "./idle.js"
import type { ResolvedOptions } from "./options.js"
import { receiver as defaultReceiver } from "./receiver.js"
import { sender as defaultSender, type SenderOptions } from "./sender.js"
import type * as SocketInput from "./socket-input.js"
import type { Stage } from "./stage.js"
import type { Stats } from "./stats.js"
import { supervise } from "./supervisor.js"

/** The receiver actor's shape (replaceable). */
export type ReceiverActor = (
  inbox: Queue.Dequeue<SocketInput.SocketInput>,
  handler: Queue.Enqueue<Event.Event>,
  sender: Queue.Enqueue<Control.Control>,
  stats?: Stats,
  progress?: Control.HandlerProgress
) => Effect.Effect<unknown, unknown>

/** The sender actor's shape (replaceable: e.g. a custom router). */
export type SenderActor = (
  inbox: Queue.Dequeue<Command.Command | Control.Control>,
  options: SenderOptions,
  stats?: Stats
) => Effect.Effect<unknown, unknown>

/**
 * How to build a pipeline. `I` is what the handler takes, `O` what it gives.
 *
 * @example
 * ```ts
 * const config: PipelineConfig<Event.Event, Command.Command> = { handler: echo }
 * const withJson: PipelineConfig<JsonEvent, Command.Command> = { handler: chat, beforeHandler: decodeJson }
 * ```
 */
export interface PipelineConfig<I = Event.Event, O = Command.Command> {
  readonly handler: Handler<I, O>
  /** Between the receiver and the handler. Required when `I` is not `Event`. */
  readonly beforeHandler?: Stage<Event.Event, I> | undefined
  /** Between the handler and the sender. Required when `O` is not `Command`. */
  readonly afterHandler?: Stage<O, Command.Command> | undefined
  readonly receiver?: ReceiverActor | undefined
  readonly sender?: SenderActor | undefined
}

/** A running pipeline: what connections join. */
export interface Pipeline {
  readonly receiverInbox: Queue.Queue<SocketInput.SocketInput>
  readonly senderInbox: Queue.Queue<Command.Command | Control.Control>
  readonly handshake: HandshakeHook | undefined
  readonly options: ResolvedOptions
  readonly stats: Stats
  /** The idle timeout's watch over this server's connections. */
  readonly idle: IdleWatch
  /** Items waiting in each queue (for metrics and tests). */
  readonly depths: () => { readonly receiver: number; readonly handler: number; readonly sender: number }
}

/**
 * Creates the queues and forks the receiver, the (supervised) handler, any stages, and the
 * sender into the current scope.
 */
export const make = <I, O>(
  config: PipelineConfig<I, O>,
  options: ResolvedOptions,
  stats: Stats
): Effect.Effect<Pipeline, never, Scope.Scope> =>
  Effect.gen(function*() {
    const receiverInbox = yield* Queue.bounded<SocketInput.SocketInput>(options.receiverQueueCapacity)
    const events = yield* Queue.bounded<Event.Event>(options.handlerQueueCapacity)
    const senderInbox = yield* Queue.bounded<Command.Command | Control.Control>(options.senderQueueCapacity)

    // Handler inbox: the events queue itself, or the output of the stage before the handler.
    let handlerInbox = events as unknown as Queue.Queue<I>
    if (config.beforeHandler !== undefined) {
      const stage = config.beforeHandler
      handlerInbox = yield* Queue.bounded<I>(stage.capacity ?? options.handlerQueueCapacity)
      yield* Effect.forkScoped(supervise(stage.name, stage.run(events, handlerInbox), stats))
    }
    let handlerOutbox = senderInbox as unknown as Queue.Queue<O>
    if (config.afterHandler !== undefined) {
      const stage = config.afterHandler
      handlerOutbox = yield* Queue.bounded<O>(options.senderQueueCapacity)
      yield* Effect.forkScoped(supervise(stage.name, stage.run(handlerOutbox, senderInbox), stats))
    }

    const progress: Control.HandlerProgress = {
      offered: 0,
      taken: () => progress.offered - Queue.sizeUnsafe(events)
    }
    const senderOptions: SenderOptions = {
      fragmentSize: options.fragmentSize,
      closeTimeoutMs: options.closeTimeoutMs,
      slowConsumer: options.slowConsumer,
      outboundBufferLimit: options.outboundBufferLimit,
      outboundQueueCapacity: options.outboundQueueCapacity,
      handlerBusy: config.handler.busy,
      handlerProgress: progress,
      stagesIdle: () =>
        (config.beforeHandler === undefined || Queue.sizeUnsafe(handlerInbox) === 0) &&
        (config.afterHandler === undefined || Queue.sizeUnsafe(handlerOutbox) === 0)
    }
    const runReceiver = config.receiver ?? defaultReceiver
    const runSender = config.sender ?? defaultSender
    yield* Effect.forkScoped(supervise("receiver", runReceiver(receiverInbox, events, senderInbox, stats, progress), stats))
    yield* Effect.forkScoped(supervise(config.handler.name, config.handler.run(handlerInbox, handlerOutbox), stats))
    yield* Effect.forkScoped(supervise("sender", runSender(senderInbox, senderOptions, stats), stats))

    const depths = () => ({
      receiver: Queue.sizeUnsafe(receiverInbox),
      handler: Queue.sizeUnsafe(events),
      sender: Queue.sizeUnsafe(senderInbox)
    })
    // Queue depths are sampled, not counted per item: once a second costs nothing per message.
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(
      Effect.sleep(Duration.seconds(1)),
      Effect.sync(() => stats.queueDepths(depths()))
    )))

    const idle = new IdleWatch(options.idleTimeoutMs, (conn) => Queue.offerUnsafe(senderInbox, Command.ping(conn)))
    yield* Effect.addFinalizer(() => Effect.sync(() => idle.stop()))

    return {
      receiverInbox,
      senderInbox,
      handshake: config.handler.handshake,
      options,
      stats,
      idle,
      depths
    }
  })
