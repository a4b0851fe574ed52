/**
 * `ws`'s internal `Receiver` and `Sender` as an independent RFC 6455 implementation: tests decode
 * our frames with it (an oracle that shares no code with our parser), and the codec benchmark
 * compares against it. `@types/ws` does not declare these classes, so they are typed here.
 */
import type { EventEmitter } from "node:events"
import * as ws from "ws"

export interface WsReceiverOptions {
  /** true: expects masked (client) frames; false: expects unmasked (server) frames. */
  readonly isServer?: boolean
  /** 0 = unlimited. */
  readonly maxPayload?: number
  readonly skipUTF8Validation?: boolean
  readonly allowSynchronousEvents?: boolean
}

/** `ws`'s frame parser (a Writable stream; events are emitted synchronously from `write`). */
export interface WsReceiver extends EventEmitter {
  write(chunk: Uint8Array): boolean
}

export interface WsSenderFrameOptions {
  readonly fin: boolean
  readonly rsv1: boolean
  readonly opcode: number
  readonly mask: boolean
  readonly readOnly: boolean
}

export const Receiver = (ws as unknown as { Receiver: new (options?: WsReceiverOptions) => WsReceiver }).Receiver

/** `Sender.frame(data, options)` returns the buffers to write: `[header, data]` when unmasked. */
export const Sender = (
  ws as unknown as {
    Sender: { frame(data: Buffer | string, options: WsSenderFrameOptions): Array<Buffer> }
  }
).Sender

/** Everything `ws`'s Receiver reported for some bytes. */
export interface WsDecoded {
  readonly messages: Array<{ readonly data: Buffer; readonly isBinary: boolean }>
  readonly pings: Array<Buffer>
  readonly pongs: Array<Buffer>
  readonly closes: Array<{ readonly code: number; readonly reason: string }>
  readonly errors: Array<Error>
}

/**
 * Decode `bytes` with `ws`'s Receiver (messages arrive synchronously, errors a tick later). Server-sent (unmasked) frames: `isServer: false`.
 * `chunkSize` feeds the bytes in pieces to exercise frames spanning chunks.
 */
export const decodeWithWs = async (
  bytes: Uint8Array,
  options: { readonly isServer: boolean; readonly chunkSize?: number }
): Promise<WsDecoded> => {
  const decoded: WsDecoded = { messages: [], pings: [], pongs: [], closes: [], errors: [] }
  const receiver = new Receiver({ isServer: options.isServer, maxPayload: 0 })
  receiver.on("message", (data: Buffer, isBinary: boolean) => decoded.messages.push({ data, isBinary }))
  receiver.on("ping", (data: Buffer) => decoded.pings.push(data))
  receiver.on("pong", (data: Buffer) => decoded.pongs.push(data))
  receiver.on("conclude", (code: number, reason: Buffer) => decoded.closes.push({ code, reason: reason.toString("utf8") }))
  receiver.on("error", (error: Error) => decoded.errors.push(error))
  // ws unmasks in place and keeps references: give it its own copy.
  const copy = Buffer.from(bytes)
  const step = options.chunkSize ?? copy.length
  for (let i = 0; i < copy.length; i += step) receiver.write(copy.subarray(i, Math.min(i + step, copy.length)))
  // Errors are emitted on a later tick (Writable destroy); let them arrive.
  await new Promise((resolve) => setImmediate(resolve))
  return decoded
}
