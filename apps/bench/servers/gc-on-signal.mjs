// Preloaded (with --expose-gc) into every Node server of an idle scenario, whichever server it
// is: SIGUSR2 runs V8's full collection and prints the heap V8 still holds, so the harness reads
// RSS after the same forced full GC for every server. Without it the reading depended on whether
// V8 happened to have run a full collection after the connect burst (bimodal for ws and wspipe
// alike, docs/benchmarks.md "Round 2").
process.on("SIGUSR2", () => {
  // Twice: the first pass runs finalizers and weak callbacks that free more on the second.
  globalThis.gc()
  globalThis.gc()
  process.stdout.write(`gc done heapUsed=${process.memoryUsage().heapUsed}\n`)
})
