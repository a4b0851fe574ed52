/**
 * The opening handshake of draft-hixie-76 (opt-in: the server option `legacyHixie76`), the
 * protocol of the Erlang original and of 2010 browsers. The draft has no masking, which RFC 6455
 * §10.3 added against cache poisoning through proxies: that is why it is off by default.
 *
 * Its request carries `Sec-WebSocket-Key1`/`Key2` in the head and 8 more bytes, key3, AFTER the
 * blank line; the answer to all three is sent after our response head (§5.2). So the upgrade
 * waits for key3 — within `handshakeTimeoutMs`, or the socket is closed — and keeps whatever came
 * behind it (the client's first frames) for the receiver. Then it goes on like an RFC 6455
 * upgrade: the server's rules, the handler's hook (which sees `variant: "hixie76"` and may
 * refuse), the 101, the pipeline.
 */
import type * as Net from "node:net"
import { HandshakeError, Hixie76, type Http } from "@wspipe/codec"
import { admit, type Acceptor, ask, type ForkUpgrade, reject, remoteAddressOf } from "./upgrade.js"

/** A `TLSSocket` is `encrypted`: its location is `wss://` (§5.2 step 13). */
const isSecure = (socket: Net.Socket): boolean => (socket as Net.Socket & { encrypted?: boolean }).encrypted === true

export const upgradeHixie76 = (
  acceptor: Acceptor,
  socket: Net.Socket,
  head: Http.RequestHead,
  rest: Uint8Array,
  forkUpgrade: ForkUpgrade
): void => {
  const request = Hixie76.validateUpgrade(head)
  if (request instanceof HandshakeError) return reject(acceptor, socket, request)
  const refused = admit(acceptor, socket, head.headers, request.path)
  if (refused !== undefined) return reject(acceptor, socket, refused)
  collectKey3(
    socket,
    rest,
    acceptor.pipeline.options.handshakeTimeoutMs,
    (error) => reject(acceptor, socket, error),
    ({ key3, rest }) => {
      const offered = request.protocol === undefined ? [] : [request.protocol]
      ask(
        {
          acceptor,
          socket,
          rest,
          offered,
          negotiated: undefined,
          respond: (protocol, headers) =>
            Hixie76.acceptResponse({ request, key3, secure: isSecure(socket), acceptProtocol: protocol !== undefined, headers }),
          hookRequest: {
            path: request.path,
            query: request.query,
            headers: head.headers,
            protocols: offered,
            extensions: [],
            remoteAddress: remoteAddressOf(socket),
            variant: "hixie76",
            compression: undefined
          }
        },
        forkUpgrade
      )
    }
  )
}

/**
 * Collects key3 from `rest` and then from the socket, for at most `timeoutMs`. On success the
 * socket is left paused with no listener of ours, so the socket receiver starts on it without
 * losing a byte; a client that does not send key3 in time, or goes away, has its socket closed.
 */
const collectKey3 = (
  socket: Net.Socket,
  rest: Uint8Array,
  timeoutMs: number,
  fail: (error: HandshakeError) => void,
  done: (complete: Hixie76.Key3Complete) => void
): void => {
  const collector = new Hixie76.Key3Collector()
  const first = collector.push(rest)
  if (first instanceof HandshakeError) return fail(first)
  if (first !== undefined) return done(first)
  const stop = () => {
    clearTimeout(timer)
    socket.off("data", onData)
    socket.off("end", onGone)
    socket.off("error", onGone)
    socket.off("close", onGone)
  }
  const onGone = () => {
    stop()
    socket.destroy()
  }
  const timer = setTimeout(onGone, timeoutMs)
  const onData = (chunk: Buffer) => {
    const got = collector.push(chunk)
    if (got === undefined) return
    socket.pause()
    stop()
    if (got instanceof HandshakeError) return fail(got)
    done(got)
  }
  socket.on("data", onData)
  socket.on("end", onGone)
  socket.on("error", onGone)
  socket.on("close", onGone)
  socket.resume()
}
