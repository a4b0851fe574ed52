/**
 * The pipeline: the bounded queues and the long-lived actors (receiver, handler, sender) wired as
 * in the Erlang diagram. Socket receivers and socket senders enter it per connection
 * (`connection/enter.ts`). Users can put stages before or after the handler, or replace the
 * receiver or the sender.
 *
 * Every queue on the handler's side is an `Inbox` whose endings pass to the next actor's input:
 * receiver → [stage before] → handler → [stage after] → sender, so a connection's ending follows
 * the handler's replies through whatever stages are there.
 */
import { randomBytes } from "node:crypto"
import { PermessageDeflate } from "@wspipe/codec"
import { Duration, Effect, Queue, type Scope } from "effect"
import { receiver as defaultReceiver } from "../actors/receiver.js"
import { sender as defaultSender, type SenderOptions } from "../actors/sender.js"
import type { Handler } from "../actors/handler.js"
import * as Bus from "../bus/bus.js"
import { DeflateEngine } from "../deflate/engine.js"
import type { HandshakeHook } from "../connection/handshake.js"
import { IdleWatch } from "../connection/idle-watch.js"
import type * as Command from "../messages/command.js"
import type * as Event from "../messages/event.js"
import * as RuntimeMessage from "../messages/runtime-message.js"
import * as SocketInput from "../messages/socket-input.js"
import type { DecoderContext } from "../actors/receiver/decoders.js"
import * as ActorQueue from "./actor-queue.js"
import * as Inbox from "./inbox.js"
import type { DeflateSample, Recorder } from "./recorder.js"
import type { ResolvedOptions } from "./options.js"
import type { Stage } from "./stage.js"
import { supervise } from "./supervisor.js"

/** The receiver actor's shape (replaceable): endings go in band to the handler's side. */
export type ReceiverActor = (
  inbox: Queue.Dequeue<SocketInput.SocketInput>,
  handler: Queue.Enqueue<Event.Event | RuntimeMessage.Ending>,
  sender: Queue.Enqueue<RuntimeMessage.RuntimeMessage>,
  recorder?: Recorder,
  context?: DecoderContext
) => Effect.Effect<unknown, unknown>

/** The sender actor's shape (replaceable: e.g. a custom router). `node` names this node and its bus. */
export type SenderActor = (
  inbox: Queue.Dequeue<Command.Command | RuntimeMessage.RuntimeMessage>,
  options: SenderOptions,
  recorder?: Recorder,
  node?: { readonly id: string; readonly bus: Bus.BusLink | undefined; readonly deflate?: DeflateEngine | undefined }
) => Effect.Effect<unknown, unknown>

/**
 * How to build a pipeline. `I` is what the handler takes, `O` what it gives, `R` the services
 * the handler needs.
 *
 * @example
 * ```ts
 * import { Command, Handler, Stage, type Event, type Pipeline } from "@wspipe/server"
 *
 * const echo = Handler.batch((events) => events.flatMap((e) => e._tag === "Message" ? [Command.unicast(e.conn, e)] : []))
 * const onlyText = Stage.filterMap<Event.Event, Event.Event>("only-text", (e) => e._tag === "Message" && e.kind === "binary" ? undefined : e)
 * const config: Pipeline.PipelineConfig = { handler: echo, beforeHandler: onlyText }
 * ```
 */
export interface PipelineConfig<I = Event.Event, O = Command.Command, R = never> {
  readonly handler: Handler<I, O, R>
  /** Between the receiver and the handler. Required when `I` is not `Event`. */
  readonly beforeHandler?: Stage<Event.Event, I, R> | undefined
  /** Between the handler and the sender. Required when `O` is not `Command`. */
  readonly afterHandler?: Stage<O, Command.Command, R> | undefined
  readonly receiver?: ReceiverActor | undefined
  readonly sender?: SenderActor | undefined
}

/** A running pipeline: what connections enter. */
export interface Pipeline {
  readonly receiverInbox: Queue.Queue<SocketInput.SocketInput>
  readonly senderInbox: Queue.Queue<Command.Command | RuntimeMessage.RuntimeMessage>
  readonly handshake: HandshakeHook<any> | undefined
  readonly options: ResolvedOptions
  readonly recorder: Recorder
  /** This node's id: it names the node in every `Connection` (see `Address`). */
  readonly nodeId: string
  /** permessage-deflate: what the handshake negotiates with, and the engine that compresses; none when off. */
  readonly deflate: Compression | undefined
  /** The idle timeout's watch over this server's connections. */
  readonly idle: IdleWatch
  /** Items waiting in each queue (for metrics and tests). */
  readonly depths: () => { readonly receiver: number; readonly handler: number; readonly sender: number }
}

/** The engine's counters as the metrics want them. */
const deflateSample = (engine: DeflateEngine): DeflateSample => {
  const c = engine.counters
  return {
    inflated: c.inflatedSync + c.inflatedSliced,
    compressed: c.deflatedSync + c.deflatedSliced,
    sliced: c.inflatedSliced + c.deflatedSliced,
    shared: c.broadcastCompressions,
    receivedCompressed: c.inflatedBytesIn,
    receivedInflated: c.inflatedBytesOut,
    sentUncompressed: c.deflatedBytesIn,
    sentCompressed: c.deflatedBytesOut,
    jobsRunning: engine.slicer.running,
    jobsQueued: engine.slicer.queued
  }
}

/** A server's compression: the extension it negotiates, and the engine shared by its connections. */
export interface Compression {
  readonly extension: PermessageDeflate.PermessageDeflateExtension
  readonly engine: DeflateEngine
}

/**
 * Creates the queues and forks the receiver, the (supervised) handler, any stages, and the
 * sender into the current scope.
 */
export const make = <I, O, R>(
  config: PipelineConfig<I, O, R>,
  options: ResolvedOptions,
  recorder: Recorder
): Effect.Effect<Pipeline, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    const receiverInbox = yield* ActorQueue.bounded<SocketInput.SocketInput>(options.receiverQueueCapacity)
    const senderInbox = yield* ActorQueue.bounded<Command.Command | RuntimeMessage.RuntimeMessage>(options.senderQueueCapacity)

    // Built from the sender backwards: each inbox passes its endings to the next actor's input.
    const after = config.afterHandler
    const afterInbox = after === undefined ? undefined : yield* Inbox.make<O>(after.capacity ?? options.senderQueueCapacity, senderInbox)
    const handlerOutput = afterInbox === undefined ? (senderInbox as unknown as Queue.Enqueue<O>) : Inbox.offerTo(afterInbox)
    const handlerInbox = yield* Inbox.make<I>(options.handlerQueueCapacity, handlerOutput)
    const before = config.beforeHandler
    const eventsInbox =
      before === undefined
        ? undefined
        : yield* Inbox.make<Event.Event>(before.capacity ?? options.handlerQueueCapacity, Inbox.offerTo(handlerInbox))
    const receiverOutput = (eventsInbox ?? handlerInbox) as Inbox.Inbox<Event.Event | RuntimeMessage.Ending>

    const nodeId = options.bus?.nodeId ?? randomBytes(6).toString("hex")
    const deflate: Compression | undefined =
      options.perMessageDeflate === undefined
        ? undefined
        : { extension: PermessageDeflate.extension(options.perMessageDeflate), engine: new DeflateEngine() }
    if (deflate !== undefined) yield* Effect.addFinalizer(() => Effect.sync(() => deflate.engine.close()))
    const bus = options.bus === undefined ? undefined : yield* Bus.make(options.bus, nodeId, senderInbox)
    if (bus !== undefined) yield* Effect.forkScoped(supervise("bus", "bus", bus.run))

    const runReceiver = config.receiver ?? defaultReceiver
    const runSender = config.sender ?? defaultSender
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const decoding: DecoderContext = {
      deflate: deflate?.engine,
      // Never lost: a full inbox makes the item wait its turn (the queue keeps waiting offers in order).
      later: (conn, run) => {
        const item = SocketInput.Later(conn, run)
        if (!Queue.offerUnsafe(receiverInbox, item)) runFork(Queue.offer(receiverInbox, item))
      }
    }
    yield* Effect.forkScoped(
      supervise("receiver", "receiver", runReceiver(receiverInbox, Inbox.offerTo(receiverOutput), senderInbox, recorder, decoding))
    )
    if (before !== undefined) {
      yield* Effect.forkScoped(supervise("stage", before.name, before.run(eventsInbox!, Inbox.offerTo(handlerInbox))))
    }
    yield* Effect.forkScoped(supervise("handler", config.handler.name, config.handler.run(handlerInbox, handlerOutput)))
    if (after !== undefined) {
      yield* Effect.forkScoped(supervise("stage", after.name, after.run(afterInbox!, senderInbox)))
    }
    yield* Effect.forkScoped(
      supervise(
        "sender",
        "sender",
        runSender(
          senderInbox,
          {
            fragmentSize: options.fragmentSize,
            closeTimeoutMs: options.closeTimeoutMs,
            slowConsumer: options.slowConsumer,
            outboundBufferLimit: options.outboundBufferLimit,
            outboundQueueCapacity: options.outboundQueueCapacity
          },
          recorder,
          { id: nodeId, bus: bus?.link, deflate: deflate?.engine }
        )
      )
    )

    const depths = () => ({
      receiver: Queue.sizeUnsafe(receiverInbox),
      handler: Inbox.size(receiverOutput),
      sender: Queue.sizeUnsafe(senderInbox)
    })
    // Queue depths are sampled, not counted per item: once a second costs nothing per message.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.andThen(
          Effect.sleep(Duration.seconds(1)),
          Effect.sync(() => {
            recorder.queueDepths(depths())
            if (deflate !== undefined) recorder.deflate(deflateSample(deflate.engine))
            if (bus !== undefined) {
              const stats = options.bus!.transport.stats()
              const { counters } = bus
              recorder.bus({
                published: counters.published,
                received: counters.received,
                dropped: counters.dropped,
                topics: counters.topics,
                depth: bus.link.depth(),
                reconnects: stats.reconnects,
                up: options.bus!.transport.status() === "up"
              })
            }
          })
        )
      )
    )

    const idle = new IdleWatch(options.idleTimeoutMs, {
      ping: (conn) => Queue.offerUnsafe(senderInbox, RuntimeMessage.IdlePing(conn)),
      timeout: (conn) => Queue.offerUnsafe(senderInbox, RuntimeMessage.IdleTimeout(conn))
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => idle.stop()))

    return {
      receiverInbox,
      senderInbox,
      handshake: config.handler.handshake,
      options,
      recorder,
      nodeId,
      deflate,
      idle,
      depths
    }
  })
