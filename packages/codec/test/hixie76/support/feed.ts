/** Feeding helpers for the draft-76 frame-parser tests. */
import type { ProtocolError } from "../../../src/errors.js"
import { FrameParser, type FrameParserOptions } from "../../../src/hixie76/frame-parser.js"

/** What a parser reported: "text:<base64 of the payload>" or "close". */
export type Event = string

export interface Fed {
  readonly events: Event[]
  /** Payloads as delivered (not copied), to check zero-copy. */
  readonly payloads: Uint8Array[]
  readonly error: ProtocolError | undefined
  /** Index of the chunk whose push first returned the error, -1 when none did. */
  readonly errorChunk: number
  readonly parser: FrameParser
}

/** Push `chunks` in order (as given: callers pass fresh arrays). */
export const feedChunks = (chunks: ReadonlyArray<Uint8Array>, options: FrameParserOptions = {}): Fed => {
  const events: Event[] = []
  const payloads: Uint8Array[] = []
  const parser = new FrameParser(
    {
      onMessage: (kind, data) => {
        payloads.push(data)
        events.push(`${kind}:${Buffer.from(data).toString("base64")}`)
      },
      onClose: () => void events.push("close")
    },
    options
  )
  let error: ProtocolError | undefined
  let errorChunk = -1
  chunks.forEach((chunk, i) => {
    const e = parser.push(chunk)
    if (e !== undefined && error === undefined) {
      error = e
      errorChunk = i
    }
  })
  return { events, payloads, error, errorChunk, parser }
}

/** Split `bytes` at sorted `cuts` into fresh copies. */
export const splitAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Uint8Array[] => {
  const out: Uint8Array[] = []
  let prev = 0
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.slice(prev, cut))
    prev = cut
  }
  return out
}

/** One byte per chunk: `errorChunk` is then the index of the byte that made it fail. */
export const bytewise = (bytes: Uint8Array): Uint8Array[] => Array.from(bytes, (b) => Uint8Array.of(b))

export const text = (s: string): Event => `text:${Buffer.from(s, "utf8").toString("base64")}`

export const bytes = (...parts: ReadonlyArray<number | string | Uint8Array | ReadonlyArray<number>>): Uint8Array =>
  new Uint8Array(
    Buffer.concat(
      parts.map((p) =>
        typeof p === "number" ? Buffer.of(p) : typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p as Uint8Array)
      )
    )
  )
