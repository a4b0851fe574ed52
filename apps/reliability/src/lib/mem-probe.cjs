// Preloaded into the echo server child by `pnpm soak --mem-probe` (node --require): prints the
// server's process.memoryUsage() every 5 s on stdout, so the soak can tell a JS-heap, ArrayBuffer
// or native (malloc) growth apart. Read-only; the timer is unref'd so it never keeps the server up.
// Main thread only: `--require` also runs in tsx's loader thread, whose isolate is not the server's.
"use strict"
if (require("node:worker_threads").isMainThread) {
  const timer = setInterval(() => {
    process.stdout.write("wspipe-mem " + JSON.stringify(process.memoryUsage()) + "\n")
  }, 5000)
  timer.unref()
}
