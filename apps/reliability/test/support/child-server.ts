/**
 * A server in its own process, for the tests that watch its memory (VmRSS) while clients flood
 * it or stop reading. `node --import tsx child-server.ts <mode> '<options json>'`; prints
 * `port <n>` when listening, and answers `stats` on stdin with one `stats <json>` line.
 *
 * Modes:
 * - `flood`: the callback API. A connection to `/flood` is the flooder: each binary message
 *   carries a sequence number (uint32 BE at offset 0) and its callback sleeps `delayMs` before
 *   recording it, so the handler is deliberately slow for that one connection. Every other
 *   connection is echoed.
 * - `broadcast`: a handler fiber. The text `stream <n> <size> <burst>` broadcasts n messages
 *   `"<seq> <Date.now()> xxx…"` (size bytes) to every connection, `burst` per millisecond tick,
 *   then answers `streamed` to the requester. Anything else is echoed.
 */
import { Callbacks, Command, Handler, Inbox, Metrics, Server } from "@wspipe/server"
type ServerOptions = Server.ServerOptions
import { Effect, Metric, Queue } from "effect"
import * as Readline from "node:readline"

const mode = process.argv[2]
const { delayMs = 1, ...options } = JSON.parse(process.argv[3] ?? "{}") as ServerOptions & { delayMs?: number }

const flood = { handled: 0, bytes: 0, next: 0, outOfOrder: 0, firstDisorder: "", closed: [] as Array<number> }
const closes: Array<{ path: string; code: number }> = []

const floodHandler = Callbacks.make<{ readonly flooder: boolean }>({
  handshake: (path) => Callbacks.accept({ flooder: path === "/flood" }),
  message: (data, state) => {
    if (!state.flooder) return Effect.as(Callbacks.write(data), state)
    return Effect.sleep(delayMs).pipe(
      Effect.map(() => {
        const bytes = data as Uint8Array
        const seq = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0)
        if (seq !== flood.next && flood.outOfOrder++ === 0) flood.firstDisorder = `expected ${flood.next}, got ${seq}`
        flood.next = seq + 1
        flood.handled++
        flood.bytes += bytes.byteLength
        return state
      })
    )
  },
  closed: (reason, state) => {
    closes.push({ path: state.flooder ? "/flood" : "/", code: reason.code })
  }
})

const broadcastHandler = Handler.fiber(
  (inbox, sender) =>
    Effect.gen(function* () {
      while (true) {
        for (const e of yield* Inbox.takeAll(inbox)) {
          if (e._tag === "Closed") closes.push({ path: e.conn.path, code: e.code })
          if (e._tag !== "Message") continue
          const text = Buffer.from(e.data).toString()
          const m = /^stream (\d+) (\d+) (\d+)$/.exec(text)
          if (m === null) {
            yield* Queue.offer(sender, Command.unicast(e.conn, e))
            continue
          }
          const [n, size, burst] = [Number(m[1]), Number(m[2]), Number(m[3])]
          for (let seq = 0; seq < n; seq += burst) {
            const batch: Array<Command.Command> = []
            for (let i = seq; i < Math.min(n, seq + burst); i++) {
              const head = `${i} ${Date.now()} `
              batch.push(Command.broadcastAll(head + "x".repeat(Math.max(0, size - head.length))))
            }
            yield* Queue.offerAll(sender, batch)
            yield* Effect.sleep(1)
          }
          yield* Queue.offer(sender, Command.unicast(e.conn, "streamed"))
        }
      }
    }),
  { name: "broadcast" }
)

const count = (metric: Metric.Metric<number, { readonly count: number | bigint }>) =>
  Effect.map(Metric.value(metric), (s) => Number(s.count))

const program = Effect.gen(function* () {
  const handler = mode === "flood" ? floodHandler : broadcastHandler
  const server = yield* Server.listen(handler, { ...options, host: "127.0.0.1", port: 0 })
  process.stdout.write(`port ${server.port}\n`)
  const lines = Readline.createInterface({ input: process.stdin })
  const stats = Effect.gen(function* () {
    return {
      flood,
      closes,
      connections: server.connections(),
      depths: server.depths(),
      droppedMessages: yield* count(Metrics.metrics.droppedMessages as never),
      slowConsumerCloses: yield* count(Metrics.metrics.slowConsumerCloses as never),
      callbackFailures: yield* count(Metrics.metrics.callbackFailures as never)
    }
  })
  const runFork = Effect.runForkWith(yield* Effect.context<never>())
  lines.on("line", (line) => {
    if (line.trim() === "stats") runFork(Effect.map(stats, (s) => process.stdout.write(`stats ${JSON.stringify(s)}\n`)))
  })
  lines.on("close", () => process.exit(0)) // the test process went away: do not linger
  return yield* Effect.never
}).pipe(Effect.scoped)

Effect.runFork(program).addObserver((exit) => {
  process.stderr.write(`server ended: ${String(exit)}\n`)
  process.exit(1)
})
