// The servers of the compression scenarios: ws with perMessageDeflate, and wspipe's echo and chat
// handlers under other permessage-deflate settings (servers/wspipe-options.ts). They run only
// when a scenario names them, or when --servers does.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { benchDir, binDir } from "./build.js"
import type { ServerId, ServerJob, ServerSpec } from "./servers.js"

export type DeflateServerId =
  | "ws-deflate"
  | "wspipe-no-deflate"
  | "wspipe-takeover-15"
  | "wspipe-server-takeover-15"
  | "wspipe-takeover-9"
  | "wspipe-takeover-15-m1"
  | "wspipe-takeover-10-m3"

const optionsApp = join(binDir, "wspipe-options.mjs")

/** Bundles servers/wspipe-options.ts like the apps (see buildWspipe in build.ts). */
export function buildWspipeOptions(log: (line: string) => void = () => {}): string {
  mkdirSync(binDir, { recursive: true })
  log("bundling servers/wspipe-options.ts with esbuild")
  execFileSync(
    join(resolve(benchDir, "../.."), "node_modules/.bin/esbuild"),
    [
      join(benchDir, "servers/wspipe-options.ts"),
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      `--outfile=${optionsApp}`,
      "--log-level=warning"
    ],
    { stdio: ["ignore", "inherit", "inherit"] }
  )
  return optionsApp
}

const wspipeWith = (id: DeflateServerId, label: string, setting: string): ServerSpec => ({
  id,
  label,
  optIn: true,
  command: (job) => ({
    cmd: process.execPath,
    args: [optionsApp, "--job", job, "--deflate", setting, "--port", "0", "--host", "127.0.0.1"],
    env: { ...process.env }
  }),
  missing: () => (existsSync(optionsApp) ? null : `${optionsApp} does not exist (buildWspipeOptions)`)
})

export function deflateServerSpecs(): ServerSpec[] {
  return [
    {
      id: "ws-deflate",
      label: "ws perMessageDeflate",
      optIn: true,
      // ws as installed (it loads bufferutil when present, as in most deployments): the faster ws.
      command: (job: ServerJob) => {
        const env = { ...process.env }
        delete env.WS_NO_BUFFER_UTIL
        delete env.WS_NO_UTF_8_VALIDATE
        const script = join(benchDir, "servers", job === "echo" ? "ws-echo-deflate.mjs" : "ws-broadcast-deflate.mjs")
        return { cmd: process.execPath, args: [script, "--port", "0", "--host", "127.0.0.1"], env }
      },
      missing: () => null
    },
    wspipeWith("wspipe-no-deflate", "wspipe perMessageDeflate: false", "off"),
    wspipeWith("wspipe-takeover-15", "wspipe takeover 15/15", "takeover-15"),
    wspipeWith("wspipe-server-takeover-15", "wspipe server takeover only, 15", "server-takeover-15"),
    wspipeWith("wspipe-takeover-9", "wspipe takeover 9/9", "takeover-9"),
    wspipeWith("wspipe-takeover-15-m1", "wspipe takeover 15/15 memLevel 1", "takeover-15-m1"),
    wspipeWith("wspipe-takeover-10-m3", "wspipe takeover 10/10 memLevel 3", "takeover-10-m3")
  ]
}

/** Whether a server answers a permessage-deflate offer with an agreement (the run is checked). */
export const agreesToDeflate = (id: ServerId): boolean => id !== "ws" && id !== "ws-addons" && id !== "c-echo" && id !== "wspipe-no-deflate"
