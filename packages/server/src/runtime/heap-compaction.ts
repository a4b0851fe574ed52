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
 * adds to them), so while compaction is on a timer reads them (`FIRST_POLL_MS`, backing off to
 * `LAST_POLL_MS`); the first drop turns compaction off and a timeout turns it back on after the interval. Not a
 * `PerformanceObserver` on "gc" entries, which was the first version: Node then does work in
 * JavaScript after every scavenge, and at one message in flight that doubled the echo's p99.9
 * (docs/benchmarks.md).
 */
import * as V8 from "node:v8"

/** The default interval between two compacting full GCs. */
export const DEFAULT_COMPACT_EVERY_MS = 30_000

/**
 * How often the old space is read while waiting for the compacting full GC: 100 ms at first (under
 * a heavy load full GCs come every 60–90 ms, and each one compacts until the drop is seen), then
 * twice as long after each read that saw none, up to 2 s (a server with a light load has few full
 * GCs, and each read is a timer turn taken from its messages).
 */
const FIRST_POLL_MS = 100
const LAST_POLL_MS = 2_000

/** The policy runs once per process (V8's flags are process-wide). */
let started = false
let compacting = false

/** Whether the next full GC compacts (for tests). */
export const isCompacting = (): boolean => compacting

const setCompacting = (on: boolean): void => {
  compacting = on
  V8.setFlagsFromString(on ? "--compact-on-every-full-gc" : "--no-compact-on-every-full-gc")
}

const oldSpaceUsed = (): number => {
  for (const space of V8.getHeapSpaceStatistics()) if (space.space_name === "old_space") return space.space_used_size
  return 0
}

/** Starts the policy for this process (once; later calls change nothing). */
export const compactOldSpace = (everyMs: number): void => {
  if (started) return
  started = true
  setCompacting(true)
  if (everyMs <= 0) return // every full GC compacts
  const waitForFullGc = (): void => {
    let used = oldSpaceUsed()
    let wait = FIRST_POLL_MS
    const poll = (): void => {
      const now = oldSpaceUsed()
      if (now >= used) {
        used = now
        wait = Math.min(LAST_POLL_MS, wait * 2)
        setTimeout(poll, wait).unref()
        return
      }
      setCompacting(false)
      setTimeout(() => {
        setCompacting(true)
        waitForFullGc()
      }, everyMs).unref()
    }
    setTimeout(poll, wait).unref()
  }
  waitForFullGc()
}
