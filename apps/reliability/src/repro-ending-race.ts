/**
 * `node --import tsx apps/reliability/src/repro-ending-race.ts [--delay-ms 20] [--rounds 20]`
 *
 * Reproducer for the socket fuzzer's "0 echoes, expected N" failures (found under CPU load): an
 * echo handler that is `--delay-ms` behind (a slow handler, or a starved CPU) receives a message
 * and, in the same TCP write, the client's Close. The sender waits at most MAX_ENDING_WAIT_MS
 * (100 ms, packages/server/src/sender.ts) for the handler to catch up, then sends the Close echo
 * and ends the connection; the handler's reply comes later and is dropped (the entry has ended).
 * Expected (RFC 6455 §5.5.1 lets an endpoint send data until it sends its Close; the message was
 * received before the Close): the echo arrives, then Close 1000. Prints how many rounds lost it.
 * `--busy` declares the in-progress connections with `Handler.busy` (commit 60fea21), the
 * documented way to hold a Close back while a handler works: then nothing is lost.
 */
import { Command, Handler, Server } from "@wspipe/server"
import { Effect, Queue } from "effect"
import { closePayload, frame } from "@wspipe/test-frames"
import { num, parseFlags } from "./lib/args.js"
import { RawConn, stopWatchdog } from "./lib/conn.js"

const flags = parseFlags(process.argv.slice(2), ["delay-ms", "rounds", "busy"])
/** With --busy: the handler declares the connections it is working on (Handler.busy, 60fea21). */
const declareBusy = flags["busy"] !== undefined
const working = new Set<number>()
const delay = num(flags, "delay-ms", 20)
const rounds = Math.max(1, Math.floor(num(flags, "rounds", 20)))

/** The bundled echo handler, plus a delay before each batch (a slow or starved handler). */
const slowEcho: Handler.Handler = Handler.fiber((inbox, sender) =>
  Effect.forever(Effect.gen(function*() {
    const events = yield* Queue.takeAll(inbox)
    if (declareBusy) for (const e of events) if ("conn" in e) working.add(e.conn.id)
    if (delay > 0) yield* Effect.sleep(`${delay} millis`)
    const replies: Array<Command.Command> = []
    for (const event of events) if (event._tag === "Message") replies.push(Command.unicast(event.conn, event))
    if (replies.length > 0) yield* Queue.offerAll(sender, replies)
    working.clear()
  })), { name: "slow-echo", busy: declareBusy ? (conn) => working.has(conn.id) : undefined })

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

const program = Effect.gen(function*() {
  const server = yield* Server.listen(slowEcho, { port: 0 })
  const port = Number(new URL(server.url ?? "ws://127.0.0.1:0/").port)
  const results: Record<string, number> = {}
  for (let i = 0; i < rounds; i++) {
    const r = yield* Effect.promise(() => round(port, i))
    results[r] = (results[r] ?? 0) + 1
  }
  return results
}).pipe(Effect.scoped)

Effect.runPromise(program).then((results) => {
  stopWatchdog()
  console.log(`handler delay ${delay} ms, ${rounds} rounds (message + Close 1000 in one write):`)
  for (const [k, v] of Object.entries(results)) console.log(`  ${v}× ${k}`)
  const lost = Object.entries(results).filter(([k]) => !k.startsWith("echo")).reduce((a, [, v]) => a + v, 0)
  console.log(lost === 0 ? "echo always delivered before the Close" : `BUG: ${lost}/${rounds} echoes lost (Close sent first, reply dropped)`)
  process.exit(lost === 0 ? 0 : 1)
}, (error: unknown) => {
  console.error(error)
  process.exit(2)
})
