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
 * How: a full GC is seen through a `PerformanceObserver` (its entries arrive after the GC). The
 * first one seen while compaction is on turns it off; a timer turns it back on after the interval.
 */
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks"
import * as V8 from "node:v8"

/** The default interval between two compacting full GCs. */
export const DEFAULT_COMPACT_EVERY_MS = 30_000

/** The policy runs once per process (V8's flags are process-wide). */
let started = false

/** Starts the policy for this process (once; later calls change nothing). */
export const compactOldSpace = (everyMs: number): void => {
  if (started) return
  started = true
  let compacting = true
  V8.setFlagsFromString("--compact-on-every-full-gc")
  if (everyMs <= 0) return // every full GC compacts
  const observer = new PerformanceObserver((list) => {
    if (!compacting) return
    const major = list
      .getEntries()
      .some((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    if (!major) return
    compacting = false
    V8.setFlagsFromString("--no-compact-on-every-full-gc")
    setTimeout(() => {
      compacting = true
      V8.setFlagsFromString("--compact-on-every-full-gc")
    }, everyMs).unref()
  })
  observer.observe({ entryTypes: ["gc"] })
}
