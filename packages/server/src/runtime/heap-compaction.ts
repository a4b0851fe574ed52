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
 * When: the first interval starts with the process, compaction off (a fresh heap has nothing to
 * undo; a server's first seconds are also when its code is cold and benchmarks measure). Then on,
 * for one full GC, and off again for the next interval.
 *
 * How: a full GC is the only thing that makes the old space's used bytes go down (a scavenge only
 * adds to them), so while compaction is on a timer reads them every `POLL_MS`, and the first drop
 * turns compaction off. The reads keep that short: under a 16 MiB compressed-message load full GCs
 * come every ~200 ms, and with reads backing off to 2 s (the version before) up to ten of them in
 * a row compacted, 27 ms each against 3.5 ms (docs/benchmarks.md, the deflate stall). Not a
 * `PerformanceObserver` on "gc" entries, which was the first version: Node then does work in
 * JavaScript after every scavenge, and at one message in flight that doubled the echo's p99.9
 * (docs/benchmarks.md).
 */
import * as V8 from "node:v8"

/** The default interval between two compacting full GCs. */
export const DEFAULT_COMPACT_EVERY_MS = 30_000

/**
 * How often the old space is read while a compacting full GC is awaited: under a heavy load full
 * GCs come every 60–200 ms, so at most one or two compact. Ten timer turns a second, only while
 * compaction is on, cost nothing measurable (the c=1 echo's p99.9 was the same with reads every
 * 100 ms and with reads backing off to 2 s).
 */
const POLL_MS = 100

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
  if (everyMs <= 0) return setCompacting(true) // every full GC compacts
  const compactOnce = (): void => {
    setCompacting(true)
    let used = oldSpaceUsed()
    const poll = (): void => {
      const now = oldSpaceUsed()
      if (now >= used) {
        used = now
        setTimeout(poll, POLL_MS).unref()
        return
      }
      setCompacting(false)
      setTimeout(compactOnce, everyMs).unref()
    }
    setTimeout(poll, POLL_MS).unref()
  }
  setCompacting(false)
  setTimeout(compactOnce, everyMs).unref()
}
