// Shared by the ws benchmark servers: parse --port/--host, report which native addons ws
// actually loaded (WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE turn them off), print the ready line.
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

export function options() {
  const args = process.argv.slice(2)
  const get = (name, fallback) => {
    const i = args.indexOf(name)
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback
  }
  return { port: Number(get("--port", "0")), host: get("--host", "127.0.0.1") }
}

function loaded(name) {
  try {
    return require.cache[require.resolve(name)] !== undefined
  } catch {
    return false
  }
}

export function ready(wss, host) {
  wss.on("listening", () => {
    const { port } = wss.address()
    const addons = `bufferutil: ${loaded("bufferutil") ? "yes" : "no"}, utf-8-validate: ${loaded("utf-8-validate") ? "yes" : "no"}`
    // The harness waits for exactly this line: "listening on ws://HOST:PORT/".
    process.stdout.write(`listening on ws://${host}:${port}/\n`)
    process.stderr.write(`ws ${addons}\n`)
  })
}
