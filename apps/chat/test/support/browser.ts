/**
 * Headless Chromium for the page tests: Debian's /usr/bin/chromium (installed by
 * scripts/test-setup.sh, which `pnpm test` runs first; Playwright cannot download browsers here),
 * driven by playwright-core with the flags of packages/server/test/support/chromium.ts.
 */
import { type Browser, chromium, type Page } from "playwright-core"

const chromiumPath = process.env.INTEROP_CHROMIUM || "/usr/bin/chromium"

export const launchChromium = async (): Promise<Browser> => {
  try {
    return await chromium.launch({
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
        "--disable-quic"
      ]
    })
  } catch (error) {
    throw new Error(`cannot launch ${chromiumPath} (run scripts/test-setup.sh): ${String(error)}`)
  }
}

/** A page in a context of its own (its own sessionStorage, as another user's browser), opened at `url`. */
export const openPage = async (browser: Browser, url: string, viewport = { width: 760, height: 520 }): Promise<Page> => {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  await page.goto(url)
  return page
}
