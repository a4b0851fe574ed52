/**
 * A private `redis-server` for one test file: a free loopback port, no persistence (`--save ""
 * --appendonly no`), its own temp dir; started, stopped (SIGKILL, as a crash), restarted on the
 * same port, paused (SIGSTOP: TCP stays up, nothing is read) and resumed (SIGCONT).
 *
 * `redis-server` missing is a test FAILURE with a message saying how to install it, never a skip:
 * `scripts/test-setup.sh` (run by the root `pnpm test`) installs Debian's package.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A running (or stopped) private Redis.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer()
 * await redis.stop()
 * await redis.restart()
 * ```
 */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** The current process' pid, undefined while stopped. */
  readonly pid: () => number | undefined
  /** SIGKILL (a crash: no goodbye to clients), waits for the exit. */
  readonly stop: () => Promise<void>
  /** Starts again on the same port, waits until it answers PING. */
  readonly restart: () => Promise<void>
  /** SIGSTOP: connections stay open, the server reads and answers nothing. */
  readonly pause: () => void
  /** SIGCONT. */
  readonly resume: () => void
  /** Stops it and removes its temp dir (idempotent). */
  readonly dispose: () => Promise<void>
}

const BINARY = process.env.REDIS_SERVER ?? "redis-server"
const live = new Set<ChildProcess>()
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL")
})

/**
 * Throws a clear error when `redis-server` cannot be run.
 *
 * @example
 * ```ts
 * assertRedisServerInstalled()
 * ```
 */
export const assertRedisServerInstalled = (): void => {
  const r = spawnSync(BINARY, ["--version"], { encoding: "utf8" })
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(
      `redis-server is not installed or cannot run (${r.error?.message ?? r.stderr}). ` +
        "The bus-redis tests need it: run `bash scripts/test-setup.sh` (installs Debian's redis-server) " +
        "or set REDIS_SERVER to its path."
    )
  }
}

/**
 * A free TCP port on 127.0.0.1 (the OS picks; closed again before returning).
 *
 * @example
 * ```ts
 * const port = await freePort()
 * ```
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = Net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as Net.AddressInfo
      s.close(() => resolve(port))
    })
  })

/** One PING over a raw socket: true when the server answered +PONG. */
const ping = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = Net.connect({ port, host: "127.0.0.1" })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")))
  })

/**
 * Waits for a condition, checking every `everyMs`, failing with `what` after `timeoutMs`.
 *
 * @example
 * ```ts
 * await waitFor(() => transport.status() === "up", "transport up")
 * ```
 */
export const waitFor = async (
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 10
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * Starts a private redis-server on `port` (default: a free one) and waits until it answers.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer()
 * afterAll(() => redis.dispose())
 * ```
 */
export const startRedisServer = async (options: { readonly port?: number } = {}): Promise<RedisServer> => {
  assertRedisServerInstalled()
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), "wspipe-redis-"))
  let child: ChildProcess | undefined
  let output = ""

  const spawnOnce = async (): Promise<void> => {
    output = ""
    const p = spawn(
      BINARY,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--logfile",
        "",
        "--loglevel",
        "warning"
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    live.add(p)
    child = p
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000)
    }
    p.stdout?.on("data", collect)
    p.stderr?.on("data", collect)
    let exited = false
    p.once("exit", () => {
      exited = true
      live.delete(p)
    })
    await waitFor(async () => exited || (await ping(port)), `redis-server on port ${port} to answer PING`, 10_000, 20)
    if (exited) {
      child = undefined
      throw new Error(`redis-server on port ${port} exited at start:\n${output}`)
    }
  }

  const stop = async (): Promise<void> => {
    const p = child
    if (p === undefined) return
    child = undefined
    if (p.exitCode !== null || p.signalCode !== null) return
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()))
    p.kill("SIGKILL")
    await exited
  }

  await spawnOnce()

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid,
    stop,
    restart: async () => {
      await stop()
      await spawnOnce()
    },
    pause: () => {
      child?.kill("SIGSTOP")
    },
    resume: () => {
      child?.kill("SIGCONT")
    },
    dispose: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
