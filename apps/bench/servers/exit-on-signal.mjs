// Preloaded into a server under --profile: `node --cpu-prof` writes its profile only on a
// normal exit, so turn the harness's SIGTERM into one.
process.on("SIGTERM", () => process.exit(0))
