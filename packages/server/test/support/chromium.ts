/**
 * Headless Chromium for tests (Debian's /usr/bin/chromium, installed by scripts/test-setup.sh,
 * driven by playwright-core with the flags of apps/conformance/interop/browser.ts), and a
 * node:http page server whose page opens a WebSocket to `?ws=URL`, sends one message and
 * reports what happened in `window.result`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { type Browser, chromium } from "playwright-core"
import { within } from "./client.js"

const chromiumPath = process.env.INTEROP_CHROMIUM || "/usr/bin/chromium"

/** What the page saw: an echo of its message, or the socket failing (with the close code). */
export type PageResult = { readonly opened: true; readonly echoed: string } | { readonly opened: false; readonly code: number }

const page = `<!doctype html><meta charset="utf-8"><title>wspipe test page</title><script>
"use strict"
const ws = new WebSocket(new URLSearchParams(location.search).get("ws"))
ws.onopen = () => ws.send("hello from " + location.origin)
ws.onmessage = (e) => { window.result = { opened: true, echoed: e.data }; ws.close() }
ws.onclose = (e) => { if (window.result === undefined) window.result = { opened: false, code: e.code } }
</script>`

/** Serves the page at `/` on 127.0.0.1 (a port of its own: an origin of its own). */
export const startPageServer = async (): Promise<{ readonly origin: string; readonly close: () => Promise<void> }> => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
    res.end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Launches headless Chromium with `extraArgs`; `open` runs the page from `pageOrigin` against `wsUrl`. */
export const launch = async (extraArgs: ReadonlyArray<string> = []) => {
  let browser: Browser
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: 20_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        ...extraArgs
      ]
    })
  } catch (error) {
    throw new Error(`cannot launch ${chromiumPath} (run scripts/test-setup.sh): ${String(error)}`)
  }
  return {
    open: async (pageOrigin: string, wsUrl: string): Promise<PageResult> => {
      const context = await browser.newContext()
      try {
        const tab = await context.newPage()
        await tab.goto(`${pageOrigin}/?ws=${encodeURIComponent(wsUrl)}`, { timeout: 10_000 })
        await tab.waitForFunction(() => (globalThis as any).result !== undefined, null, { timeout: 10_000, polling: 20 })
        return await tab.evaluate(() => (globalThis as any).result as PageResult)
      } finally {
        await within(context.close(), 5_000, "context.close").catch(() => undefined)
      }
    },
    close: () => within(browser.close(), 10_000, "chromium close").catch(() => undefined)
  }
}
