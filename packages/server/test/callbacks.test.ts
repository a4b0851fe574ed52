/**
 * The callback API (`Callbacks.make`, the ExWs way) over real sockets: per-connection state, the
 * two `message` arities, `init` + `handshake`, `closed`, and `write`/`ping`/`close` inside
 * callbacks, typed close-argument errors, pre-framed messages, handles used from elsewhere.
 */
import { Frame } from "@wspipe/codec"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Callbacks, Handshake } from "../src/index.js"
import { connect, rejected, waitUntil } from "./support/client.js"
import { start } from "./support/server.js"

describe("Callbacks.make", () => {
  it.live("keeps per-connection state across messages (two-argument message)", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          init: () => 0,
          message: (data: string | Uint8Array, count: number) =>
            Effect.gen(function* () {
              yield* Callbacks.write(`${count + 1}:${typeof data === "string" ? data : `bytes(${data.byteLength})`}`)
              return count + 1
            })
        })
      )
      const a = yield* connect(url)
      const b = yield* connect(url)
      yield* a.send("x")
      yield* a.send("y")
      yield* a.send(Buffer.from([1, 2]))
      expect(yield* a.texts(3)).toEqual(["1:x", "2:y", "3:bytes(2)"])
      yield* b.send("z")
      expect(yield* b.nextText()).toBe("1:z") // b has its own state
    })
  )

  it.live("a plain (non-Effect) return value is the new state", () =>
    Effect.gen(function* () {
      const seen: Array<number> = []
      const { url } = yield* start(
        Callbacks.make({
          init: () => 10,
          message: (_data: string | Uint8Array, n: number) => {
            seen.push(n)
            return n + 1
          }
        })
      )
      const a = yield* connect(url)
      for (let i = 0; i < 3; i++) yield* a.send("m")
      yield* waitUntil(() => seen.length === 3, 5_000, "three messages")
      expect(seen).toEqual([10, 11, 12])
    })
  )

  it.live("message gets the kind: text as a string, binary as bytes", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (data, state, kind) =>
            Effect.gen(function* () {
              const shape = typeof data === "string" ? `string:${data}` : `bytes:${[...data].join(",")}`
              yield* Callbacks.write(`${kind} ${shape}`)
              return state
            })
        })
      )
      const a = yield* connect(url)
      yield* a.send("héllo")
      yield* a.send(Buffer.from([7, 8]))
      expect(yield* a.texts(2)).toEqual(["text string:héllo", "binary bytes:7,8"])
    })
  )

  it.live("init + handshake: accept with a state the messages see; reject with status and Error header", () =>
    Effect.gen(function* () {
      const calls: Array<{ path: string; user: string | undefined; state: unknown }> = []
      const { url } = yield* start(
        Callbacks.make<{ user: string; visits: number }>({
          init: () => ({ user: "nobody", visits: 0 }),
          handshake: (path, headers, state) => {
            calls.push({ path, user: headers["x-user"], state })
            return headers["x-user"] === undefined
              ? Handshake.reject(401, "who are you?")
              : Callbacks.accept({ ...state, user: headers["x-user"] })
          },
          message: (data: string | Uint8Array, state: { user: string; visits: number }) =>
            Effect.gen(function* () {
              yield* Callbacks.write(`${state.user}#${state.visits + 1}: ${String(data)}`)
              return { ...state, visits: state.visits + 1 }
            })
        })
      )
      const no = yield* rejected(`${url}room`)
      expect(no.status).toBe(401)
      expect(no.error).toBe("who are you?")

      const alice = yield* connect(`${url}room`, undefined, { headers: { "x-user": "alice" } })
      yield* alice.send("hi")
      yield* alice.send("again")
      expect(yield* alice.texts(2)).toEqual(["alice#1: hi", "alice#2: again"])
      expect(calls).toEqual([
        { path: "/room", user: undefined, state: { user: "nobody", visits: 0 } },
        { path: "/room", user: "alice", state: { user: "nobody", visits: 0 } }
      ])
    })
  )

  it.live("closed is called with the peer's code, reason and the last state", () =>
    Effect.gen(function* () {
      const closed: Array<unknown> = []
      const { url } = yield* start(
        Callbacks.make({
          init: () => "fresh",
          message: (data: string | Uint8Array) => String(data),
          closed: (reason, state) => void closed.push({ ...reason, state })
        })
      )
      const a = yield* connect(url)
      yield* a.send("last words")
      a.ws.close(4100, "leaving")
      yield* a.waitClosed()
      yield* waitUntil(() => closed.length === 1, 5_000, "the closed callback")
      expect(closed).toEqual([{ code: 4100, reason: "leaving", origin: "peer", state: "last words" }])
      const b = yield* connect(url)
      b.ws.terminate()
      yield* waitUntil(() => closed.length === 2, 5_000, "the closed callback after a drop")
      expect(closed[1]).toEqual({ code: 1006, reason: "", origin: "transport", state: "fresh" })
    })
  )

  it.live('write, ping, close() and close(4000, "x") inside callbacks', () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              if (data === "ping") yield* Callbacks.ping(new TextEncoder().encode("p!"))
              else if (data === "close") yield* Callbacks.close()
              else if (data === "close-x") yield* Callbacks.close(4000, "x")
              else yield* Callbacks.write(`echo ${String(data)}`)
              return state
            })
        })
      )
      const a = yield* connect(url)
      yield* a.send("ping")
      expect((yield* a.waitPings(1))[0]!.toString()).toBe("p!")
      yield* a.send("w")
      expect(yield* a.nextText()).toBe("echo w")
      yield* a.send("close")
      expect(yield* a.waitClosed()).toEqual({ code: 1000, reason: "" })

      const b = yield* connect(url)
      yield* b.send("close-x")
      expect(yield* b.waitClosed()).toEqual({ code: 4000, reason: "x" })
    })
  )

  it.live("closed after a server-initiated close gets the code the client echoed", () =>
    Effect.gen(function* () {
      const closed: Array<unknown> = []
      const { url } = yield* start(
        Callbacks.make({
          message: (_data: string | Uint8Array, state: undefined) => Effect.as(Callbacks.close(4000, "x"), state),
          closed: (reason) => void closed.push(reason.code)
        })
      )
      const a = yield* connect(url)
      yield* a.send("go")
      yield* a.waitClosed()
      yield* waitUntil(() => closed.length === 1, 5_000, "the closed callback")
      expect(closed).toEqual([4000])
    })
  )

  it.live("close follows the codec's rule: 999, 1005, 1006 and a 124-byte reason fail with the typed CloseArgsError", () =>
    Effect.gen(function* () {
      const attempts: Record<string, readonly [number, string]> = {
        "code-999": [999, "nope"],
        "code-1005": [1005, ""],
        "code-1006": [1006, ""],
        "reason-124": [4000, "r".repeat(124)]
      }
      const { url } = yield* start(
        Callbacks.make({
          message: (data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              const [code, reason] = attempts[String(data)]!
              const error = yield* Effect.flip(Callbacks.close(code, reason))
              yield* Callbacks.write(`${error._tag} ${error.code} ${error.message}`)
              return state
            })
        })
      )
      const a = yield* connect(url)
      yield* a.send("code-999")
      expect(yield* a.nextText()).toBe("CloseArgsError 999 close code 999 may not be sent")
      yield* a.send("code-1005")
      expect(yield* a.nextText()).toBe("CloseArgsError 1005 close code 1005 may not be sent")
      yield* a.send("code-1006")
      expect(yield* a.nextText()).toBe("CloseArgsError 1006 close code 1006 may not be sent")
      yield* a.send("reason-124")
      expect(yield* a.nextText()).toBe("CloseArgsError 4000 close reason is 124 bytes (max 123)")
      // The connection is still open: nothing was closed.
      expect(a.closeInfo).toBeUndefined()
    })
  )

  it.live.each([
    [1000, "bye"],
    [1001, "going away"],
    [1008, "policy"],
    [1011, "oops"],
    [4999, "r".repeat(123)]
  ] as const)("close(%i, …) is sent as given (RFC 6455 §7.4; a reason of up to 123 bytes)", ([code, reason]) =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          message: (_data: string | Uint8Array, state: undefined) => Effect.as(Callbacks.close(code, reason), state)
        })
      )
      const a = yield* connect(url)
      yield* a.send("go")
      expect(yield* a.waitClosed()).toEqual({ code, reason })
    })
  )

  it.live("pre-framed messages pass through unchanged", () =>
    Effect.gen(function* () {
      const shared = Frame.text("x")
      const { url } = yield* start(
        Callbacks.make({
          message: (_data: string | Uint8Array, state: undefined) =>
            Effect.gen(function* () {
              yield* Callbacks.write(shared)
              yield* Callbacks.write(Frame.binary(Uint8Array.of(1, 2, 3)))
              yield* Callbacks.write(Frame.text("fragmented message", { fragmentSize: 4 }))
              return state
            })
        })
      )
      const a = yield* connect(url)
      yield* a.send("go")
      expect(yield* a.nextText()).toBe("x")
      const bin = yield* a.next()
      expect(bin.isBinary).toBe(true)
      expect([...bin.data]).toEqual([1, 2, 3])
      expect(yield* a.nextText()).toBe("fragmented message")
    })
  )

  it.live("a handle kept from a callback reaches the client from another fiber and from setTimeout", () =>
    Effect.gen(function* () {
      const { url } = yield* start(
        Callbacks.make({
          open: (state: undefined) =>
            Effect.gen(function* () {
              const handle = yield* Callbacks.current
              setTimeout(() => handle.post("from setTimeout"), 30)
              yield* Effect.forkDetach(Effect.sleep("60 millis").pipe(Effect.andThen(handle.write("from a fiber"))))
              return state
            }),
          message: (_data: string | Uint8Array, state: undefined) => state
        })
      )
      const a = yield* connect(url)
      expect(yield* a.texts(2)).toEqual(["from setTimeout", "from a fiber"])
    })
  )
})
