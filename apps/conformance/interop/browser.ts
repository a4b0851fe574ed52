/**
 * Headless Chromium for the browser interop test: Debian's /usr/bin/chromium (installed by
 * scripts/test-setup.sh; Playwright's own browser downloads are impossible here) driven by
 * playwright-core, plus a node:http server on 127.0.0.1 that serves interop/browser-page.html.
 */
import { readFile } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { type Browser, chromium } from "playwright-core"
import { repoRoot, withTimeout } from "./util.js"

export const chromiumPath = process.env.INTEROP_CHROMIUM || "/usr/bin/chromium"
const pagePath = join(repoRoot, "apps/conformance/interop/browser-page.html")

/** Serves the test page at `/` and nothing else. */
export async function startPageServer(): Promise<{ origin: string; close: () => Promise<void> }> {
  const html = await readFile(pagePath)
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
      res.end(html)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export interface BrowserSession {
  /** Opens the page in `mode` against `wsUrl` and returns what the page reported within `timeoutMs`. */
  run(mode: "echo" | "server-close", wsUrl: string, timeoutMs?: number): Promise<any>
  close(): Promise<void>
}

export async function launchBrowser(pageOrigin: string, launchTimeoutMs = 20_000): Promise<BrowserSession> {
  // chromium.launch() gives every launch a fresh temporary profile (user data dir) and deletes it
  // on close, so nothing from another run can influence the result. The flags keep Chromium from
  // trying to reach the network (there is none but 127.0.0.1 here) and from needing a GPU.
  let browser: Browser
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: launchTimeoutMs,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic"
      ]
    })
  } catch (err) {
    throw new Error(`cannot launch ${chromiumPath} (run scripts/test-setup.sh): ${String(err)}`)
  }
  return {
    async run(mode, wsUrl, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      const context = await browser.newContext()
      const page = await context.newPage()
      const log: string[] = []
      page.on("console", (m) => log.push(`console.${m.type()}: ${m.text()}`))
      page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`))
      try {
        const url = `${pageOrigin}/?mode=${mode}&ws=${encodeURIComponent(wsUrl)}`
        await page.goto(url, { timeout: timeoutMs })
        // The page bounds each of its own waits to 10 s; this bounds the whole run.
        await page.waitForFunction(() => (globalThis as any).interopResult !== undefined, null, {
          timeout: Math.max(1, deadline - Date.now()),
          polling: 50
        })
        const report = await page.evaluate(() => (globalThis as any).interopResult)
        if (!report.ok) throw new Error(`page failed: ${report.error}`)
        return report.result
      } catch (err) {
        throw new Error(`${String(err)}\n--- page log ---\n${log.join("\n")}`)
      } finally {
        await withTimeout(context.close(), 5_000, "context.close").catch(() => undefined)
      }
    },
    async close() {
      await withTimeout(browser.close(), 10_000, "chromium close").catch(() => undefined)
    }
  }
}
