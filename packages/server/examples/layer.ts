// packages/server/examples/layer.ts
/**
 * A server as a layer, with a handler that needs a service. The handler's third type parameter
 * (`R`) says what it needs, here `Greeting`; `Server.layer` passes that need on to the layer, and
 * `Layer.provide` meets it. The rest of the program reaches the running server through the
 * `Server.WsServer` service: `clock` broadcasts the time to every client once per `tickMs`.
 * As a program: `Server.runMain(Layer.launch(app({ port: 9000, tickMs: 1000 })))`.
 */
import { Command, Event, Handler, Inbox, Server } from "@wspipe/server"
import { Context, Effect, Layer, Queue } from "effect"

export class Greeting extends Context.Service<Greeting, { readonly greet: (name: string) => string }>()("examples/Greeting") {}

// Inferred as Handler<Event, Command, Greeting>: the body yields the service.
const greeter = Handler.fiber(
  (inbox, sender) =>
    Effect.gen(function* () {
      const greeting = yield* Greeting
      while (true) {
        const events = yield* Inbox.takeAll(inbox)
        const out: Array<Command.Command> = []
        for (const e of events) {
          if (e._tag === "Message" && e.kind === "text") out.push(Command.unicast(e.conn, greeting.greet(Event.text(e))))
        }
        if (out.length > 0) yield* Queue.offerAll(sender, out)
      }
    }),
  { name: "greeter" }
)

// Needs the running server: built after `Server.layer`, and stopped before it.
const clock = (tickMs: number) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const server = yield* Server.WsServer
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.andThen(
            Effect.sleep(tickMs),
            Effect.suspend(() => server.command(Command.broadcastAll(`tick ${Date.now()}`)))
          )
        )
      )
    })
  )

export const app = (options: Server.ListenOptions & { readonly tickMs: number }) => {
  const { tickMs, ...listenOptions } = options
  return clock(tickMs).pipe(
    Layer.provideMerge(Server.layer(greeter, listenOptions)),
    Layer.provide(Layer.succeed(Greeting, { greet: (name: string) => `hello, ${name}` }))
  )
}
