/**
 * Child process of run-main.test.ts (run with `node --expose-gc --import tsx`): starts a server
 * with `runMain` (`compactHeap` from the env var `COMPACT_HEAP`: "on" | "off", `compactHeapEveryMs`
 * from `COMPACT_EVERY_MS`), then fragments
 * V8's old space the way connection churn does: many small objects promoted to the old space,
 * nine in ten of them freed. Prints the old space's committed and used MiB after a full GC as one JSON line.
 */
import * as V8 from "node:v8"
import { Effect } from "effect"
import { Handler, Inbox, Server } from "../../src/index.js"
import { isCompacting } from "../../src/runtime/heap-compaction.js"

declare const gc: () => void

const idle = Handler.fiber((inbox) => Effect.forever(Inbox.takeAll(inbox)))
const everyMs = process.env["COMPACT_EVERY_MS"]
Server.runMain(Server.serve(idle, { port: 0 }), {
  compactHeap: process.env["COMPACT_HEAP"] === "on",
  ...(everyMs === undefined ? {} : { compactHeapEveryMs: Number(everyMs) })
})

const oldSpace = () => {
  const space = V8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!
  return { committed: space.space_size / 1048576, used: space.space_used_size / 1048576 }
}

// `FIRST_GC=yes`: one full GC that frees a few MiB of the old space, then the churn as soon as
// runMain is not compacting (in its first interval, or once it has seen that GC) — and, with an
// interval under a second, as soon as the interval is over and it compacts again. runMain sees a
// full GC as a drop of the old space between two of its reads (every 100 ms while it compacts).
// Waiting on the policy's state, not on a fixed delay, keeps this right on a loaded machine.
const firstGc = process.env["FIRST_GC"] === "yes"
const giveUpAt = Date.now() + 10_000 // then churn anyway: the test's assertion tells what went wrong
const waitUntil = (condition: () => boolean, then: () => void): void => {
  if (condition() || Date.now() > giveUpAt) then()
  else setTimeout(() => waitUntil(condition, then), 10)
}
const churn = (): void => {
  let objects: Array<{ id: number; name: string; list: Array<number> }> = []
  for (let i = 0; i < 400_000; i++) objects.push({ id: i, name: `connection ${i}`, list: [i] })
  gc()
  gc() // survivors of two collections live in the old space
  objects = objects.filter((_, i) => i % 10 === 0)
  gc()
  gc()
  process.stdout.write(`${JSON.stringify({ ...oldSpace(), kept: objects.length })}\n`)
  process.exit(0)
}

if (!firstGc) setTimeout(churn, 200)
else {
  let ballast: Array<{ id: number }> | undefined
  setTimeout(() => {
    ballast = Array.from({ length: 200_000 }, (_, id) => ({ id }))
    gc()
    gc() // in the old space now
  }, 50)
  setTimeout(() => {
    ballast = undefined
    gc()
    waitUntil(
      () => !isCompacting(),
      () => (Number(everyMs) < 1000 ? waitUntil(isCompacting, churn) : churn())
    )
  }, 1000)
  void ballast
}
