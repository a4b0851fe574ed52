/**
 * TLS for `listen` (`wss://`, RFC 6455 §4.1 "secure", §10.6). Our own listener accepts TCP
 * (paused, half-open allowed, as without TLS) and wraps each socket in a server-side
 * `tls.TLSSocket` with one shared secure context; once the TLS handshake is done, the decrypted
 * socket goes to the same head parser as a plain one (`serveSocket`: `readable` + `read()`,
 * `setNoDelay` and `remoteAddress` all work on a `TLSSocket`).
 *
 * One budget, `handshakeTimeoutMs`, runs from the TCP accept: a client that never finishes TLS
 * is dropped when it runs out, and the HTTP request gets only what TLS left of it. A TLS error
 * (a plain-HTTP client on the TLS port, a bad record, an unknown CA at the client) destroys that
 * one socket and is never thrown: Node reports a server socket's TLS errors on its internal
 * `_tlsError` event and destroys it (tls.test.ts shows each case); the `error` listeners below
 * are for whatever else a socket may emit, so that nothing can reach the process as an
 * uncaught error. Client certificates are not offered here: a server that needs them can
 * `attach` to an `https.createServer`, whose checks Node does.
 */
import type * as Net from "node:net"
import * as Tls from "node:tls"
import { type Acceptor, type ForkUpgrade, serveSocket } from "../connection/upgrade.js"
import { ConfigError } from "./options.js"

/**
 * The server's certificate and TLS settings: the options of `tls.createSecureContext` (`key`
 * and `cert` as PEM, or `pfx`, plus `passphrase`, `ca` for the chain, `minVersion`, `ciphers`…).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs"
 * import type { Server } from "@wspipe/server"
 *
 * const tls: Server.TlsOptions = { key: readFileSync("server.key"), cert: readFileSync("server.crt"), minVersion: "TLSv1.2" }
 * ```
 */
export type TlsOptions = Tls.SecureContextOptions

/**
 * Builds the secure context once, at start: a missing or mismatched key or certificate is a
 * `ConfigError` naming `tls`, not a failure of the first client.
 *
 * @example
 * ```ts
 * const context = secureContext({ cert: "not a certificate" }) // ConfigError: tls needs key and cert (or pfx)
 * ```
 */
export const secureContext = (options: TlsOptions): Tls.SecureContext | ConfigError => {
  if (options.pfx === undefined && (options.key === undefined || options.cert === undefined)) {
    return new ConfigError({ option: "tls", message: "tls needs key and cert (or pfx)" })
  }
  try {
    return Tls.createSecureContext(options)
  } catch (error) {
    return new ConfigError({ option: "tls", message: `tls: ${(error as Error).message}` })
  }
}

const ignore = () => {}

/**
 * Serves one accepted TCP socket over TLS: the TLS handshake, then `serveSocket` with what is
 * left of `handshakeTimeoutMs`.
 *
 * @example
 * ```ts
 * declare const acceptor: Parameters<typeof serveTls>[0]
 * declare const raw: Parameters<typeof serveTls>[1] // from a net.Server with pauseOnConnect
 * declare const forkUpgrade: Parameters<typeof serveTls>[3]
 * const context = secureContext({ key: "…", cert: "…" })
 * if (!(context instanceof Error)) serveTls(acceptor, raw, context, forkUpgrade)
 * ```
 */
export const serveTls = (acceptor: Acceptor, raw: Net.Socket, context: Tls.SecureContext, forkUpgrade: ForkUpgrade): void => {
  const budget = acceptor.pipeline.options.handshakeTimeoutMs
  const accepted = Date.now()
  const socket = new Tls.TLSSocket(raw, { isServer: true, secureContext: context })
  const onFailed = () => {
    clearTimeout(timer)
    socket.destroy()
  }
  const timer = setTimeout(onFailed, budget)
  socket.on("error", onFailed)
  socket.once("close", onFailed)
  socket.once("secure", () => {
    clearTimeout(timer)
    socket.off("error", onFailed)
    socket.off("close", onFailed)
    // Whoever reads the socket next reports its errors; this one only keeps them from throwing.
    socket.on("error", ignore)
    serveSocket(acceptor, socket, forkUpgrade, Math.max(1, budget - (Date.now() - accepted)))
  })
}
