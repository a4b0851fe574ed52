// The packages as a user gets them: build, `pnpm pack` the three, then in a fresh npm project outside
// the workspace (os.tmpdir()) `npm install` the tarballs with the registry's latest effect 4.x
// and ws. The project is docs/getting-started.md's (its package.json, tsconfig.json, src/server.ts
// and src/client.ts come from the page's code blocks) plus fixture/entry-points.ts. It type-checks
// with the workspace's tsc, runs under plain node, and the page's ws client gets its echo. Fails
// when the packages do not install, do not type-check (two copies of Effect do not), or do not run.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, "../../..")
const fixture = resolve(here, "../fixture")
const guide = join(root, "docs/getting-started.md")
const bin = (name: string) => join(root, "node_modules/.bin", name)

let work = ""
const children = new Set<ChildProcess>()
const killChildren = () => {
  for (const child of children) child.kill("SIGKILL")
}
process.once("exit", killChildren)

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "wspipe-consumer-"))
})
afterAll(() => {
  killChildren()
  if (work !== "" && process.env.WSPIPE_KEEP_CONSUMER === undefined) rmSync(work, { recursive: true, force: true })
})

/** The environment without what pnpm and vitest set for their own children. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|VITEST|NODE_OPTIONS$)/i.test(key)))

const tail = (text: string) => text.split("\n").slice(-40).join("\n")

/** Runs a command to completion (killed after `timeoutMs`), fails with its output unless it exits 0. */
const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }
): string => {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    encoding: "utf8",
    timeout: options.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024
  })
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error !== undefined ? result.error.message : `exit ${result.status ?? result.signal}`
    throw new Error(`${command} ${args.join(" ")} (in ${options.cwd}): ${why}\n${tail(result.stdout ?? "")}\n${tail(result.stderr ?? "")}`)
  }
  return result.stdout
}

/** pnpm as the test was started with (`pnpm test` sets npm_execpath), or pnpm 10 through npx. */
const pnpm = (args: ReadonlyArray<string>, cwd: string): string => {
  const execPath = process.env.npm_execpath
  return execPath !== undefined && basename(execPath).startsWith("pnpm")
    ? run(process.execPath, [execPath, ...args], { cwd, timeoutMs: 180_000 })
    : run("npx", ["-y", "pnpm@10", ...args], { cwd, timeoutMs: 180_000 })
}

interface Manifest {
  readonly name: string
  readonly version: string
  readonly main?: string
  readonly types?: string
  readonly exports?: Record<string, { readonly types: string; readonly default: string }>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

const pack = (
  dir: string,
  into: string
): { readonly tarball: string; readonly manifest: Manifest; readonly files: ReadonlyArray<string> } => {
  const before = new Set(readdirSync(into))
  pnpm(["pack", "--pack-destination", into], join(root, dir))
  const made = readdirSync(into).filter((f) => f.endsWith(".tgz") && !before.has(f))
  expect(made, `pnpm pack in ${dir}`).toHaveLength(1)
  const tarball = join(into, made[0]!)
  const files = run("tar", ["tzf", tarball], { cwd: into, timeoutMs: 30_000 })
    .split("\n")
    .filter((f) => f !== "")
  const manifest = JSON.parse(run("tar", ["xzf", tarball, "-O", "package/package.json"], { cwd: into, timeoutMs: 30_000 })) as Manifest
  return { tarball, manifest, files }
}

/** Every packed entry point is compiled JavaScript and declarations in dist/, and is in the tarball. */
const expectDistEntries = (manifest: Manifest, files: ReadonlyArray<string>) => {
  const targets = [manifest.main, manifest.types, ...Object.values(manifest.exports ?? {}).flatMap((e) => [e.types, e.default])]
  expect(targets.length).toBeGreaterThanOrEqual(4)
  for (const target of targets) {
    expect(target, manifest.name).toMatch(/^\.\/dist\/.*\.(js|d\.ts)$/)
    expect(files, `${manifest.name} packs ${target}`).toContain(`package/${target!.slice(2)}`)
  }
  expect(files).toContain("package/README.md")
  expect(files).toContain("package/LICENSE")
  expect(
    files.filter((f) => /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]s$/.test(f)),
    "tests are not packed"
  ).toEqual([])
  expect(JSON.stringify(manifest), "workspace: ranges are rewritten").not.toContain("workspace:")
}

/** Directories of every installed copy of `name` under `dir`/node_modules, however deep. */
const copiesOf = (dir: string, name: string): Array<string> => {
  const found: Array<string> = []
  const walk = (modules: string) => {
    if (!existsSync(modules)) return
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith(".")) continue
      const scoped = entry.startsWith("@") ? readdirSync(join(modules, entry)).map((e) => `${entry}/${e}`) : [entry]
      for (const pkg of scoped) {
        if (pkg === name) found.push(join(modules, pkg))
        walk(join(modules, pkg, "node_modules"))
      }
    }
  }
  walk(join(dir, "node_modules"))
  return found
}

/** The code blocks of the guide that name a file (```ts title="src/server.ts"), by file name. */
const guideFiles = (): Map<string, string> => {
  const files = new Map<string, string>()
  for (const block of readFileSync(guide, "utf8").matchAll(/^```\w+ title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    files.set(block[1]!, block[2]!)
  }
  return files
}

/** Runs `node args` in `cwd` to its end (killed after 15 s): its exit and its output. */
const runNode = async (cwd: string, args: ReadonlyArray<string>): Promise<{ readonly exit: number | string; readonly output: string }> => {
  const child = spawn(process.execPath, args, { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] })
  children.add(child)
  let output = ""
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  const exit = await exitOf(child, 15_000)
  children.delete(child)
  return { exit, output }
}

/** Starts `node dist/server.js --port 0`, resolves with its URL once it printed the ready line. */
const startServer = (cwd: string): Promise<{ readonly child: ChildProcess; readonly url: string; readonly output: () => string }> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["dist/server.js", "--port", "0"], { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`no ready line within 15 s:\n${output}`))
    }, 15_000)
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk
      const ready = /listening on (ws:\/\/\S+)/.exec(output)
      if (ready !== null) {
        clearTimeout(timer)
        resolvePromise({ child, url: ready[1]!, output: () => output })
      }
    })
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk
    })
    child.once("exit", (code, signal) => {
      children.delete(child)
      clearTimeout(timer)
      reject(new Error(`the server exited (${code ?? signal}) before its ready line:\n${output}`))
    })
  })

const exitOf = (child: ChildProcess, timeoutMs: number): Promise<number | string> =>
  new Promise((resolvePromise) => {
    if (child.exitCode !== null) return resolvePromise(child.exitCode)
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      resolvePromise("killed after a timeout")
    }, timeoutMs)
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      resolvePromise(code ?? signal ?? "?")
    })
  })

describe("the packed packages in a fresh npm project", () => {
  it("install, type-check and run an echo server under plain node", async () => {
    // Build (turbo: cached when the sources did not change), then pack as a publish would.
    run(bin("turbo"), ["run", "build", "--filter=@wspipe/bus-redis...", "--output-logs=errors-only"], {
      cwd: root,
      env: process.env,
      timeoutMs: 300_000
    })
    const tarballs = join(work, "tarballs")
    mkdirSync(tarballs)
    const codec = pack("packages/codec", tarballs)
    const server = pack("packages/server", tarballs)
    const busRedis = pack("packages/bus-redis", tarballs)

    expectDistEntries(codec.manifest, codec.files)
    expectDistEntries(server.manifest, server.files)
    expectDistEntries(busRedis.manifest, busRedis.files)
    expect(Object.keys(server.manifest.exports ?? {}).sort()).toEqual([".", "./cli", "./internal"])
    expect(server.manifest.dependencies?.["@wspipe/codec"], "the codec at its own version").toBe(codec.manifest.version)
    expect(server.manifest.dependencies?.effect, "effect is not a dependency").toBeUndefined()
    expect(server.manifest.peerDependencies?.effect, "effect is a peer dependency").toMatch(/^\^4\.\d+\.\d+$/)
    // The Redis transport plugs into the project's one server and Effect: both peers; ioredis its own.
    expect(busRedis.manifest.peerDependencies).toEqual({
      "@wspipe/server": `^${server.manifest.version}`,
      effect: server.manifest.peerDependencies?.effect
    })
    expect(Object.keys(busRedis.manifest.dependencies ?? {})).toEqual(["ioredis"])

    // A fresh project outside the workspace (nothing of the workspace's node_modules is visible):
    // the guide's files, and the entry-points check.
    const project = join(work, "project")
    const files = guideFiles()
    expect([...files.keys()].sort(), "the guide's files").toEqual(["package.json", "src/client.ts", "src/server.ts", "tsconfig.json"])
    for (const [name, text] of files) {
      mkdirSync(dirname(join(project, name)), { recursive: true })
      writeFileSync(join(project, name), text)
    }
    cpSync(join(fixture, "entry-points.ts"), join(project, "src/entry-points.ts"))
    run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--loglevel=error",
        codec.tarball,
        server.tarball,
        busRedis.tarball,
        "effect@4",
        "ws@8",
        "@types/ws@8",
        "@types/node@20"
      ],
      { cwd: project, timeoutMs: 300_000 }
    )
    const effect = JSON.parse(readFileSync(join(project, "node_modules/effect/package.json"), "utf8")) as Manifest
    expect(effect.version, "the registry's effect 4.x").toMatch(/^4\./)

    // Type-check (and compile) with the workspace's TypeScript, against the installed declarations,
    // with the guide's tsconfig. Then once more checking every declaration
    // file too (skipLibCheck off; Effect's own declarations need the DOM lib for that).
    run(bin("tsc"), ["-p", "tsconfig.json"], { cwd: project, timeoutMs: 120_000 })
    run(bin("tsc"), ["-p", "tsconfig.json", "--noEmit", "--skipLibCheck", "false", "--lib", "ES2022,DOM"], {
      cwd: project,
      timeoutMs: 120_000
    })

    // Plain node runs every entry point, and the guide's server, whose echo its client gets.
    const entryPoints = await runNode(project, ["dist/entry-points.js"])
    expect(entryPoints, "node dist/entry-points.js").toEqual({ exit: 0, output: "entry points ok\n" })
    const running = await startServer(project)
    const client = await runNode(project, ["dist/client.js", running.url])
    expect(client, `the guide's client (server: ${running.output()})`).toEqual({
      exit: 0,
      output: "text: hello\nbinary: 010203\nclosed: 1000\n"
    })

    // SIGTERM is a graceful shutdown: exit 0. A healthy server printed its ready line and nothing
    // else (two copies of Effect still echo, but the handler dies and restarts on every batch).
    running.child.kill("SIGTERM")
    expect(await exitOf(running.child, 10_000), running.output()).toBe(0)
    children.delete(running.child)
    expect(running.output().trim().split("\n"), "the server's output").toEqual([`listening on ${running.url}`])

    // One Effect in the whole tree: the server uses the project's, not one of its own.
    expect(copiesOf(project, "effect").map((dir) => dir.slice(project.length + 1))).toEqual(["node_modules/effect"])
    expect(copiesOf(project, "@wspipe/server").map((dir) => dir.slice(project.length + 1))).toEqual(["node_modules/@wspipe/server"])
  })
})
