/** Starts the wspipe echo server (or another command) and waits for its "listening on" line. */
import { spawn, type ChildProcess } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

export const ECHO_MAIN = fileURLToPath(new URL("../../echo/src/main.ts", import.meta.url))

export interface ServerProcess {
  readonly url: string
  readonly child: ChildProcess
  stop(): Promise<void>
}

/**
 * `command` defaults to `node <tsx cli> apps/echo/src/main.ts`; `--port 0 --host 127.0.0.1` is
 * appended. The server must print `listening on ws://HOST:PORT/` when ready.
 */
export const startServer = (command?: readonly string[], timeoutMs = 30_000): Promise<ServerProcess> => {
  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli")
  const [cmd, ...args] = command ?? [process.execPath, tsxCli, ECHO_MAIN]
  const child = spawn(cmd!, [...args, "--port", "0", "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] })
  let stderr = ""
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once("exit", () => r()))
    child.kill("SIGTERM")
    const t = setTimeout(() => child.kill("SIGKILL"), 5000)
    await exited
    clearTimeout(t)
  }
  return new Promise((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`server did not print "listening on ws://…" within ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code ?? signal}) before listening\n${stderr}`))
    })
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      const m = /listening on (ws:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        child.removeAllListeners("exit")
        child.stdout!.removeAllListeners("data")
        child.stdout!.resume()
        resolve({ url: m[1]!, child, stop })
      }
    })
  })
}
