/**
 * Options: `resolveOptions` merges over the defaults and rejects bad values with a `ConfigError`
 * naming the option; `Server.listen` fails at start with it; a busy port is a `ListenError`.
 */
import * as Http from "node:http"
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Server } from "../src/index.js"
import { defaults, resolveOptions } from "../src/internal.js"

const { ConfigError } = Server
type ConfigError = Server.ConfigError
type ServerOptions = Server.ServerOptions

const rejects = (options: ServerOptions, option: string) => {
  const result = resolveOptions(options)
  expect(result).toBeInstanceOf(ConfigError)
  expect((result as ConfigError).option).toBe(option)
  expect((result as ConfigError).message).toContain(option)
}

describe("resolveOptions", () => {
  it("no options gives the documented defaults", () => {
    expect(resolveOptions({})).toEqual(defaults)
    expect(defaults.maxMessageSize).toBe(16 * 1024 * 1024)
    expect(defaults.slowConsumer).toBe("close")
  })

  it("given values override the defaults; undefined keeps the default", () => {
    const resolved = resolveOptions({ maxMessageSize: 1000, maxFrameSize: 500, slowConsumer: "drop", idleTimeoutMs: 0, path: undefined })
    expect(resolved).toMatchObject({ maxMessageSize: 1000, maxFrameSize: 500, slowConsumer: "drop", idleTimeoutMs: 0, path: undefined })
    expect(resolved).toMatchObject({ handlerQueueCapacity: defaults.handlerQueueCapacity })
  })

  it.each([
    ["maxMessageSize", -1],
    ["maxMessageSize", 0],
    ["maxFrameSize", 1.5],
    ["maxHeadSize", Number.NaN],
    ["handshakeTimeoutMs", -10],
    ["maxConnections", 0],
    ["closeTimeoutMs", Infinity],
    ["receiverQueueCapacity", 0],
    ["handlerQueueCapacity", 2.5],
    ["senderQueueCapacity", -1],
    ["outboundQueueCapacity", 0],
    ["outboundBufferLimit", -1],
    ["maxInflightBytes", 0.5],
    ["shutdownTimeoutMs", -1],
    ["idleTimeoutMs", 0.5],
    ["fragmentSize", 0],
    ["fragmentSize", -3]
  ] as const)("%s = %s is a ConfigError naming the option", (option, value) => {
    rejects({ [option]: value } as ServerOptions, option)
  })

  it("a string where a number belongs is a ConfigError", () => {
    rejects({ maxMessageSize: "big" as unknown as number }, "maxMessageSize")
  })

  it("zero is allowed where it means off", () => {
    expect(resolveOptions({ shutdownTimeoutMs: 0, idleTimeoutMs: 0 })).not.toBeInstanceOf(ConfigError)
  })

  it("maxFrameSize greater than maxMessageSize is a ConfigError on maxFrameSize", () => {
    rejects({ maxFrameSize: 2000, maxMessageSize: 1000 }, "maxFrameSize")
    rejects({ maxFrameSize: 32 * 1024 * 1024 }, "maxFrameSize") // against the default message size
    expect(resolveOptions({ maxFrameSize: 1000, maxMessageSize: 1000 })).not.toBeInstanceOf(ConfigError)
  })

  it("a path must start with /", () => {
    rejects({ path: "ws" }, "path")
    rejects({ path: "" }, "path")
    expect(resolveOptions({ path: "/ws" })).toMatchObject({ path: "/ws" })
  })

  it("slowConsumer must be close or drop", () => {
    rejects({ slowConsumer: "ignore" as never }, "slowConsumer")
  })

  it("protocols must be non-empty strings", () => {
    rejects({ protocols: [""] }, "protocols")
    rejects({ protocols: "chat" as never }, "protocols")
  })
})

describe("Server.listen and options", () => {
  it.live("a bad option fails at start with the ConfigError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Server.listen(echo, { port: 0, maxMessageSize: -1 }))
      expect(error).toBeInstanceOf(ConfigError)
      expect(error._tag).toBe("ConfigError")
      expect((error as ConfigError).option).toBe("maxMessageSize")
    })
  )

  it.live("a bad port fails with a ConfigError on port", () =>
    Effect.gen(function* () {
      for (const port of [-1, 70000, 1.5]) {
        const error = yield* Effect.flip(Server.listen(echo, { port }))
        expect(error).toMatchObject({ _tag: "ConfigError", option: "port" })
      }
    })
  )

  it.live("attach with a bad option fails with the ConfigError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Server.attach(Http.createServer(), echo, { path: "nope" }))
      expect(error).toMatchObject({ _tag: "ConfigError", option: "path" })
    })
  )

  it.live("listening on a busy port fails with ListenError", () =>
    Effect.gen(function* () {
      const blocker = Net.createServer()
      const port = yield* Effect.promise(
        () => new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as Net.AddressInfo).port)))
      )
      yield* Effect.addFinalizer(() => Effect.sync(() => blocker.close()))
      const error = yield* Effect.flip(Server.listen(echo, { port, host: "127.0.0.1" }))
      expect(error._tag).toBe("ListenError")
      expect(error).toBeInstanceOf(Server.ListenError)
      expect(error.message).toContain(String(port))
    })
  )
})
