/**
 * ParserPool: connections borrow a frame parser per chunk and keep it only while inside a frame
 * or a fragmented message (or once it is finished by a Close or an error), so idle connections
 * hold none and one connection's half frame never leaks into another's.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Parser } from "@wspipe/codec"
import { ParserPools } from "../src/actors/receiver/parser-pool.js"
import { closePayload, concat, frame, MASK, Op } from "./support/frames.js"

/** A sink that writes down what it was given, as text. */
const recorder = () => {
  const seen: Array<string> = []
  const sink: Parser.Sink = {
    onMessage: (kind, data) => void seen.push(`${kind}:${new TextDecoder().decode(data)}`),
    onPing: (data) => void seen.push(`ping:${new TextDecoder().decode(data)}`),
    onPong: () => void seen.push("pong"),
    onClose: (code) => void seen.push(`close:${code}`)
  }
  return { seen, sink }
}

describe("ParserPool", () => {
  it("lends one parser to connections at frame boundaries; a connection mid-frame keeps its own", () => {
    const pool = new ParserPools().for(1024, 4096, 0, 0)
    const a = recorder()
    const b = recorder()
    const long = frame(Op.Text, "the first connection's message")
    // a: half a frame, then b: a whole message and a ping, then a: the rest and a fragment.
    const aKept = pool.push(a.sink, undefined, long.slice(0, 9))
    expect(aKept).toBeDefined()
    expect(pool.push(b.sink, undefined, concat(frame(Op.Text, "b"), frame(Op.Ping, "p")))).toBeUndefined()
    const aStill = pool.push(a.sink, aKept, concat(long.slice(9), frame(Op.Text, "x-", { fin: false, mask: MASK })))
    expect(aStill).toBe(aKept) // inside a fragmented message: kept
    expect(pool.push(a.sink, aStill, frame(Op.Cont, "y"))).toBeUndefined() // message complete: given back
    expect(pool.push(b.sink, undefined, frame(Op.Binary, "again"))).toBeUndefined()
    expect(a.seen).toEqual(["text:the first connection's message", "text:x-y"])
    expect(b.seen).toEqual(["text:b", "ping:p", "binary:again"])
    expect(pool.error).toBeUndefined()
  })

  it("a parser finished by a Close or a protocol error stays with its connection and is not lent again", () => {
    const pool = new ParserPools().for(1024, 4096, 0, 0)
    const a = recorder()
    const b = recorder()
    const c = recorder()
    const closed = pool.push(a.sink, undefined, frame(Op.Close, closePayload(1000)))
    expect(closed).toBeDefined()
    expect(pool.push(a.sink, closed, frame(Op.Text, "after the close"))).toBe(closed) // ignored, as before
    const failed = pool.push(b.sink, undefined, Uint8Array.of(0x83, 0x80, 0, 0, 0, 0)) // reserved opcode 3
    expect(pool.error?.code).toBe(1002)
    expect(failed).toBeDefined()
    expect(pool.push(c.sink, undefined, frame(Op.Text, "fresh"))).toBeUndefined()
    expect(pool.error).toBeUndefined()
    expect(a.seen).toEqual(["close:1000"])
    expect(b.seen).toEqual([])
    expect(c.seen).toEqual(["text:fresh"])
  })

  it("one pool per set of limits", () => {
    const pools = new ParserPools()
    expect(pools.for(1024, 4096, 0, 0)).toBe(pools.for(1024, 4096, 0, 0))
    expect(pools.for(1024, 4096, 0x40, 1028)).not.toBe(pools.for(1024, 4096, 0, 0))
    const small = pools.for(4, 4096, 0, 0)
    const a = recorder()
    small.push(a.sink, undefined, frame(Op.Text, "too long"))
    expect(small.error?.code).toBe(1009)
  })
})
