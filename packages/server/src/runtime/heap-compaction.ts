/**
 * `runMain`'s heap compaction: V8 compacts the whole old space on a full GC at most once per
 * interval (`--compact-on-every-full-gc`, switched on and off at run time).
 *
 * Why on at all: connection churn fragments the old space (docs/limits.md); compacting every
 * full GC kept the soak's RSS flat, where a full GC comes every 30–60 s. Why at most once per
 * interval: compaction copies the whole old space, so each full GC took 30–39 ms instead of
 * 5.5 ms under a 4 KiB echo load, where full GCs came every 60–90 ms, and 150–180 ms instead of
 * 50–65 ms with 10,000 connections (docs/benchmarks.md). Fragmentation builds up over minutes, so
 * one compaction per interval undoes it as well; when full GCs are rarer than the interval, every
 * one of them still compacts.
 *
 * How: a full GC is the only thing that makes the old space's used bytes go down (a scavenge only
 * adds to them), so while compaction is on a timer reads them every `POLL_MS`; the first drop
 * turns compaction off and a timeout turns it back on after the interval. Not a
 * `PerformanceObserver` on "gc" entries, which was the first version: Node then does work in
 * JavaScript after every scavenge, and at one message in flight that doubled the echo's p99.9
 * (docs/benchmarks.md).
 */
import * as V8 from "node:v8"

/** The default interval between two compacting full GCs. */
export const DEFAULT_COMPACT_EVERY_MS = 30_000

/** How often the old space is read while waiting for the compacting full GC. */
const POLL_MS = 100

/** The policy runs once per process (V8's flags are process-wide). */
let started = false

const oldSpaceUsed = (): number => {
  for (const space of V8.getHeapSpaceStatistics()) if (space.space_name === "old_space") return space.space_used_size
  return 0
}

/** Starts the policy for this process (once; later calls change nothing). */
export const compactOldSpace = (everyMs: number): void => {
  if (started) return
  started = true
  V8.setFlagsFromString("--compact-on-every-full-gc")
  if (everyMs <= 0) return // every full GC compacts
  const waitForFullGc = (): void => {
    let used = oldSpaceUsed()
    const poll = setInterval(() => {
      const now = oldSpaceUsed()
      if (now >= used) {
        used = now
        return
      }
      clearInterval(poll)
      V8.setFlagsFromString("--no-compact-on-every-full-gc")
      setTimeout(() => {
        V8.setFlagsFromString("--compact-on-every-full-gc")
        waitForFullGc()
      }, everyMs).unref()
    }, POLL_MS)
    poll.unref()
  }
  waitForFullGc()
}
