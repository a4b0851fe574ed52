/**
 * `node --import tsx apps/reliability/src/repro-ending-race.ts [--delay-ms 20] [--rounds 20]`
 *
 * Reproducer, kept as a check, for the socket fuzzer's old "0 echoes, expected N" failures (found
 * under CPU load): an echo handler that is `--delay-ms` behind (a slow handler, or a starved CPU)
 * receives a message and, in the same TCP write, the client's Close. RFC 6455 §5.5.1 lets an
 * endpoint send data until it sends its Close, and the message came before the Close: the echo
 * must arrive, then Close 1000. It once did not (the sender gave up waiting for the handler after
 * a bounded time); now the Close reply travels behind the handler's replies (see `Inbox` in
 * packages/server), so nothing can be lost however slow the handler. Prints how many rounds lost
 * the echo; exits 1 if any did.
 */
import { Command, Handler, Inbox, Server } from "@wspipe/server"
import { Effect, Queue } from "effect"
import { closePayload, frame } from "@wspipe/test-frames"
import { num, parseFlags } from "./lib/args.js"
import { RawConn, stopWatchdog } from "./lib/conn.js"

const flags = parseFlags(process.argv.slice(2), ["delay-ms", "rounds"])
const delay = num(flags, "delay-ms", 20)
const rounds = Math.max(1, Math.floor(num(flags, "rounds", 20)))

/** The bundled echo handler, plus a delay before each batch (a slow or starved handler). */
const slowEcho: Handler.Handler = Handler.fiber(
  (inbox, sender) =>
    Effect.forever(
      Effect.gen(function* () {
        const events = yield* Inbox.takeAll(inbox)
        if (delay > 0) yield* Effect.sleep(`${delay} millis`)
        const replies: Array<Command.Command> = []
        for (const event of events) if (event._tag === "Message") replies.push(Command.unicast(event.conn, event))
        if (replies.length > 0) yield* Queue.offerAll(sender, replies)
      })
    ),
  { name: "slow-echo" }
)

const round = async (port: number, i: number): Promise<string> => {
  const conn = await RawConn.open(port, 5_000)
  if (typeof conn === "string") return `connect failed: ${conn}`
  try {
    const text = Buffer.from(`message ${i}`)
    conn.write(Buffer.concat([frame(1, text), frame(8, closePayload(1000))]))
    const seen: string[] = []
    for (let k = 0; k < 5; k++) {
      const e = await conn.next(5_000)
      if (e.type === "message") seen.push("echo")
      else if (e.type === "close") seen.push(`close ${e.code}`)
      else {
        seen.push(e.type)
        break
      }
    }
    return seen.join(" → ")
  } finally {
    conn.destroy()
  }
}

const program = Effect.gen(function* () {
  const server = yield* Server.listen(slowEcho, { port: 0 })
  const port = Number(new URL(server.url ?? "ws://127.0.0.1:0/").port)
  const results: Record<string, number> = {}
  for (let i = 0; i < rounds; i++) {
    const r = yield* Effect.promise(() => round(port, i))
    results[r] = (results[r] ?? 0) + 1
  }
  return results
}).pipe(Effect.scoped)

Effect.runPromise(program).then(
  (results) => {
    stopWatchdog()
    console.log(`handler delay ${delay} ms, ${rounds} rounds (message + Close 1000 in one write):`)
    for (const [k, v] of Object.entries(results)) console.log(`  ${v}× ${k}`)
    const lost = Object.entries(results)
      .filter(([k]) => !k.startsWith("echo"))
      .reduce((a, [, v]) => a + v, 0)
    console.log(
      lost === 0 ? "echo always delivered before the Close" : `BUG: ${lost}/${rounds} echoes lost (Close sent first, reply dropped)`
    )
    process.exit(lost === 0 ? 0 : 1)
  },
  (error: unknown) => {
    console.error(error)
    process.exit(2)
  }
)
