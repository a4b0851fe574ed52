/**
 * The opening handshake (RFC 6455 §4.2): the codec validates the request, the handler's hook
 * decides, and the 101 answer is written — all before the connection joins the pipeline. Both
 * entry points end here: our own listener (`listen`) and an existing HTTP server (`attach`).
 */
import type * as Net from "node:net"
import { Extension, Handshake as Rfc6455, HandshakeError, Hixie76, Http, Negotiation, PermessageDeflate } from "@wspipe/codec"
import { Cause, Effect } from "effect"
import type { Pipeline } from "../runtime/pipeline.js"
import type { RunFork } from "../runtime/run-fork.js"
import type { Admission } from "./admission.js"
import { makeConnection } from "./connection.js"
import { enter, type Live } from "./enter.js"
import * as Handshake from "./handshake.js"
import { upgradeHixie76 } from "./hixie76-upgrade.js"
import { answerPlain, type HttpResponder, isPlainRequest } from "./plain-http.js"

/** A connection without extensions: one shared empty list. */
const NO_EXTENSIONS: ReadonlyArray<never> = Object.freeze([])

/** What the extension negotiation (RFC 6455 §9.1) decided for one request. */
interface Negotiated {
  readonly agreement: PermessageDeflate.Agreement
  readonly header: string | undefined
  readonly rsv: number
  readonly accepted: ReadonlyArray<Negotiation.ExtensionOffer>
}

/**
 * Starts an upgrade's fiber in the server's scope, with the handler's services (a handshake hook
 * may need them: `HandshakeHook<R>`).
 */
export type ForkUpgrade = (effect: Effect.Effect<void, never, any>) => unknown

/** What a server shares with its connections while they upgrade. */
export interface Acceptor {
  readonly pipeline: Pipeline
  readonly live: Live
  /** Starts the per-client fibers (socket receivers and senders) in the server's context. */
  readonly runFork: RunFork
  /** Set on shutdown: new upgrades get 503. */
  closing: boolean
  /** Origins and per-address limits (403, 429), before the hook and the pipeline. */
  readonly admission: Admission
  /** `listen`'s `httpRequest` option: answers requests without `Upgrade` (else they get 426). */
  readonly httpRequest?: HttpResponder | undefined
}

/**
 * Serves one socket of our own listener: reads the request head with the codec's incremental
 * parser (limit → 431, `handshakeTimeoutMs` → socket closed), then upgrades — or, for a plain
 * HTTP request and a server with `httpRequest`, answers it (plain-http.ts). Reading the head
 * needs no fiber: plain socket callbacks feed the parser, and `upgrade` is called once, with the
 * complete head. `timeoutMs` is what is left of `handshakeTimeoutMs` (TLS took the rest).
 */
export const serveSocket = (
  acceptor: Acceptor,
  socket: Net.Socket,
  forkUpgrade: ForkUpgrade,
  timeoutMs = acceptor.pipeline.options.handshakeTimeoutMs
): void => {
  const { options } = acceptor.pipeline
  socket.setNoDelay(true)
  const parser = new Http.RequestHeadParser({ maxHeadSize: options.maxHeadSize })
  const stop = () => {
    clearTimeout(timer)
    socket.off("readable", onReadable)
    socket.off("end", onGone)
    socket.off("error", onGone)
  }
  // Timed out, or the client went away before finishing its request: nothing to answer.
  const onGone = () => {
    stop()
    socket.destroy()
  }
  const timer = setTimeout(onGone, timeoutMs)
  const onReadable = () => {
    let bytes: Buffer | null
    while ((bytes = socket.read() as Buffer | null) !== null) {
      const parsed = parser.push(bytes)
      if (parsed === undefined) continue
      stop()
      if (parsed instanceof HandshakeError) return reject(acceptor, socket, parsed)
      const { httpRequest } = acceptor
      if (httpRequest !== undefined && isPlainRequest(parsed.head) && answerPlain(acceptor, socket, parsed.head, httpRequest)) return
      return upgrade(acceptor, socket, parsed.head, parsed.rest, forkUpgrade)
    }
  }
  socket.on("readable", onReadable)
  socket.on("end", onGone)
  socket.on("error", onGone)
}

/**
 * Upgrades a socket whose request head is known (from our parser, or from Node's `http` for
 * `attach`): answers 101 and joins the pipeline, or answers an error status and closes. A
 * draft-hixie-76 request goes to `hixie76-upgrade.ts` when the server accepts that protocol;
 * otherwise it is refused like any request without `Sec-WebSocket-Key`/`Version`.
 *
 * It runs in the tick of the socket event, without a fiber: a fiber (started with `forkUpgrade`,
 * so shutdown interrupts it) is needed only when the handshake hook answers with an Effect.
 * Measured: a fiber, its generator and effects per upgrade were ~10 % of the bytes a handshake
 * allocated (docs/design-decisions.md).
 */
export const upgrade = (
  acceptor: Acceptor,
  socket: Net.Socket,
  head: Http.RequestHead,
  rest: Uint8Array,
  forkUpgrade: ForkUpgrade
): void => {
  if (acceptor.pipeline.options.legacyHixie76 && Hixie76.isHixie76Request(head)) {
    return upgradeHixie76(acceptor, socket, head, rest, forkUpgrade)
  }
  const request = Rfc6455.validateUpgrade(head)
  if (request instanceof HandshakeError) return reject(acceptor, socket, request)
  const refused = admit(acceptor, socket, head.headers, request.path)
  if (refused !== undefined) return reject(acceptor, socket, refused)
  const negotiated = negotiate(acceptor, request.extensions)
  ask(
    {
      acceptor,
      socket,
      rest,
      offered: request.protocols,
      negotiated,
      respond: (protocol, headers, extensions) => Rfc6455.acceptResponse({ key: request.key, protocol, headers, extensions }),
      hookRequest: {
        path: request.path,
        query: request.query,
        headers: head.headers,
        protocols: request.protocols,
        extensions: request.extensions,
        remoteAddress: remoteAddressOf(socket),
        variant: "rfc6455",
        compression: negotiated?.agreement
      }
    },
    forkUpgrade
  )
}

/** permessage-deflate for the client's offers, when the server has it on and an offer is acceptable (RFC 7692 §5). */
const negotiate = (acceptor: Acceptor, offers: ReadonlyArray<Negotiation.ExtensionOffer>): Negotiated | undefined => {
  const deflate = acceptor.pipeline.deflate
  if (deflate === undefined || offers.length === 0) return undefined
  const result = Extension.negotiate(offers, [deflate.extension])
  const agreement = PermessageDeflate.agreement(result)
  return agreement === undefined ? undefined : { agreement, header: result.header, rsv: result.rsv, accepted: result.accepted }
}

/**
 * The peer as the socket sees it (`127.0.0.1:51234`). Joined, not a template: V8 makes a template
 * this long a string of pieces (`127.0.0.1:`, the port, the pair: 88 B per connection for as long
 * as the record lives); `join` makes one flat string (32 B).
 */
export const remoteAddressOf = (socket: Net.Socket): string => [socket.remoteAddress ?? "?", socket.remotePort ?? 0].join(":")

/**
 * The server's own rules, before the handler is asked: the path, shutdown, who may connect
 * (origins, per-address limits: admission.ts), `maxConnections`.
 */
export const admit = (
  acceptor: Acceptor,
  socket: Net.Socket,
  headers: Readonly<Record<string, string>>,
  path: string
): HandshakeError | undefined => {
  const { options } = acceptor.pipeline
  if (options.path !== undefined && path !== options.path) return new HandshakeError(404, `no WebSocket endpoint at ${path}`)
  if (acceptor.closing) return new HandshakeError(503, "server is shutting down")
  const refused = acceptor.admission.admit(socket, headers)
  if (refused !== undefined) return refused
  if (acceptor.live.sockets.size >= options.maxConnections) return new HandshakeError(503, "too many connections", { "Retry-After": "5" })
  return undefined
}

/** An upgrade request that passed validation, waiting for the handshake hook's decision. */
export interface Upgrading {
  readonly acceptor: Acceptor
  readonly socket: Net.Socket
  /** Bytes that came after the handshake (the client's first frames). */
  readonly rest: Uint8Array
  /** The subprotocols the client offered, in its order of preference. */
  readonly offered: ReadonlyArray<string>
  /** The extensions the server would accept (permessage-deflate), unless the hook declines them. */
  readonly negotiated: Negotiated | undefined
  /** The 101 response of this protocol, for the chosen subprotocol and extensions. */
  readonly respond: (protocol: string | undefined, headers: Readonly<Record<string, string>>, extensions: string | undefined) => Uint8Array
  readonly hookRequest: Handshake.HandshakeRequest
}

const ACCEPT: Handshake.Decision = Handshake.accept()

/** Asks the handler's hook (if any) and carries out its decision. */
export const ask = (upgrading: Upgrading, forkUpgrade: ForkUpgrade): void => {
  const { handshake } = upgrading.acceptor.pipeline
  if (handshake === undefined) return decide(upgrading, ACCEPT)
  let answer: Handshake.Decision | Effect.Effect<Handshake.Decision, unknown, any>
  try {
    answer = handshake(upgrading.hookRequest)
  } catch (defect) {
    forkUpgrade(hookFailed(upgrading, Cause.die(defect)))
    return
  }
  if (!Effect.isEffect(answer)) return decide(upgrading, answer)
  forkUpgrade(
    Effect.flatMap(Effect.exit(answer), (exit) =>
      exit._tag === "Failure" ? hookFailed(upgrading, exit.cause) : Effect.sync(() => decide(upgrading, exit.value))
    )
  )
}

const hookFailed = ({ acceptor, socket }: Upgrading, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Effect.andThen(
    Effect.logError("handshake hook failed", cause),
    Effect.sync(() => reject(acceptor, socket, new HandshakeError(500, "handshake handler failed")))
  )

/** Carries out the hook's decision: an error status, or 101 and the pipeline. */
const decide = ({ acceptor, socket, rest, offered, negotiated, respond, hookRequest }: Upgrading, decision: Handshake.Decision): void => {
  if (decision._tag === "Reject") {
    return reject(acceptor, socket, new HandshakeError(decision.status, decision.reason, decision.headers))
  }
  const protocol = decision.protocol ?? Negotiation.selectProtocol(offered, acceptor.pipeline.options.protocols)
  // §4.2.2: the server may only answer with a subprotocol the client offered.
  if (protocol !== undefined && !offered.includes(protocol)) {
    acceptor.runFork(Effect.logError(`handshake hook chose subprotocol "${protocol}" that the client did not offer`))
    return reject(acceptor, socket, new HandshakeError(500, "server chose a subprotocol the client did not offer"))
  }
  if (socket.destroyed) return
  const extensions = decision.compression ? negotiated : undefined
  socket.write(respond(protocol, decision.headers, extensions?.header))
  const conn = makeConnection({
    path: hookRequest.path,
    query: hookRequest.query,
    protocol,
    extensions: extensions?.accepted ?? NO_EXTENSIONS,
    remoteAddress: hookRequest.remoteAddress,
    variant: hookRequest.variant,
    node: acceptor.pipeline.nodeId
  })
  enter(acceptor.pipeline, acceptor.live, acceptor.runFork, conn, socket, rest, decision.data, hookRequest, extensions?.agreement)
}

/** Answers an error status with the reason in an `Error` header, then closes (RFC 6455 §4.2.1). */
export const reject = (acceptor: Acceptor, socket: Net.Socket, error: HandshakeError): void => {
  acceptor.pipeline.recorder.rejected(error.status)
  if (socket.destroyed) return
  const body =
    error.status === 426 && error.headers["Sec-WebSocket-Version"] === undefined
      ? "This is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket, RFC 6455).\n"
      : undefined
  socket.end(Rfc6455.rejectResponse(error, body))
  // A client that never reads the answer must not keep the socket.
  setTimeout(() => socket.destroy(), 2_000).unref()
}
