/**
 * The part of websocket-driver 0.8.0 (faye's; no published types) that the draft-76 proof uses:
 * `http(request, { allowDrafts: true })` picks its draft-76 server for a request with
 * Sec-WebSocket-Key1/Key2 (lib/websocket/driver/server.js, driver/draft76.js).
 */
declare module "websocket-driver" {
  import type { IncomingMessage } from "node:http"
  import type { Duplex, Readable } from "node:stream"

  interface Driver {
    /** "hixie-76" for the draft-76 server. */
    readonly version: string
    /** 0 connecting, 1 open, 2 closing, 3 closed. */
    readonly readyState: number
    /** Raw socket bytes in (write) and out (data events). */
    readonly io: Duplex
    /** Received messages as data events (strings for text). */
    readonly messages: Readable
    start(): boolean
    text(message: string): boolean
    close(): boolean
    setHeader(name: string, value: string): void
    on(event: "open" | "close", listener: () => void): this
    on(event: "message", listener: (event: { readonly data: string }) => void): this
    on(event: "error", listener: (error: Error) => void): this
  }

  interface WebSocketDriver {
    http(request: IncomingMessage, options?: { readonly allowDrafts?: boolean; readonly maxLength?: number }): Driver
    isWebSocket(request: IncomingMessage): boolean
  }

  const driver: WebSocketDriver
  export = driver
}
