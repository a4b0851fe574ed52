/**
 * The real chat app (`src/main.ts` under tsx, as `pnpm chat:dev` runs it) on a free port, for
 * tests and the screenshot script: started, its ready line read, and stopped with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
const tsx = createRequire(import.meta.url).resolve("tsx/cli")

export interface ChatApp {
  /** `http://127.0.0.1:PORT/`: the page; the same port takes the WebSocket. */
  readonly pageUrl: string
  readonly port: number
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Starts the app with `flags` (default: `--port 0`, a free port) and waits for its ready line. */
export const startChatApp = async (flags: ReadonlyArray<string> = ["--port", "0"], readyTimeoutMs = 30_000): Promise<ChatApp> => {
  const child: ChildProcess = spawn(process.execPath, [tsx, main, ...flags], { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no ready line within ${readyTimeoutMs} ms:\n${output}`)), readyTimeoutMs)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(error)
    }
    const onData = (chunk: Buffer) => {
      output += String(chunk)
      const ready = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(output)
      if (ready === null) return
      clearTimeout(timer)
      resolve(Number(ready[1]))
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", (chunk: Buffer) => (output += String(chunk)))
    child.once("exit", (code) => fail(new Error(`the chat app exited with ${code} before it was ready:\n${output}`)))
  })
  return {
    pageUrl: `http://127.0.0.1:${port}/`,
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGTERM")
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(killer)
    }
  }
}
