/**
 * The browser page of `pnpm chat`, in real headless Chromium against the real app (src/main.ts
 * under tsx, on a free port): plain GET / is the page and other paths 404, while upgrades on the
 * same port are the chat; a line typed in one page appears in the other; topics reach their
 * members only; the online count follows the pages; a reloaded page rejoins its topics, and a
 * page whose server went away reconnects and rejoins.
 *
 * Every test starts its own app, so online counts never include another test's pages.
 */
import type { Browser } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { launchChromium, openPage } from "./support/browser.js"
import { type ChatApp, startChatApp } from "./support/chat-app.js"
import { joinTopic, messages, say, setName, waitJoined, waitMessage, waitOnline } from "./support/chat-page.js"

let browser: Browser | undefined
const apps: Array<ChatApp> = []

const start = async (flags?: ReadonlyArray<string>) => {
  const app = await startChatApp(flags)
  apps.push(app)
  return app
}

beforeAll(async () => {
  browser = await launchChromium()
}, 30_000)

afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close()
  await Promise.all(apps.splice(0).map((app) => app.stop()))
}, 30_000)

afterAll(async () => {
  await browser?.close()
}, 30_000)

describe("the chat page over plain HTTP", () => {
  it("GET / is the HTML page with a restrictive CSP, its script and style are served, GET /nope is 404", async () => {
    const app = await start()
    const page = await fetch(app.pageUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self'/)
    const html = await page.text()
    expect(html).toContain(`id="messages"`)
    expect(html).toContain(`id="message"`)
    expect(html).not.toMatch(/<script>|<style>/) // nothing inline: the CSP would block it
    const script = await fetch(new URL("/chat.js", app.pageUrl))
    expect(script.status).toBe(200)
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect((await fetch(new URL("/chat.css", app.pageUrl))).headers.get("content-type")).toBe("text/css; charset=utf-8")
    const missing = await fetch(new URL("/nope", app.pageUrl))
    expect(missing.status).toBe(404)
  })
})

describe("the chat page in Chromium", { timeout: 60_000 }, () => {
  it("a line typed in one page (Enter) appears in the other", async () => {
    const app = await start()
    const [ada, bob] = [await openPage(browser!, app.pageUrl), await openPage(browser!, app.pageUrl)]
    await setName(ada, "ada")
    for (const page of [ada, bob]) await waitOnline(page, 2)
    await say(ada, "hello from the first page")
    await waitMessage(bob, "ada: hello from the first page")
    await waitMessage(ada, "ada: hello from the first page") // shown on the sender's page too, as its own
    expect(await ada.locator("#messages li.mine").allTextContents()).toEqual(["ada: hello from the first page"])
    expect(await ada.locator("#message").inputValue()).toBe("")
  })

  it("a message to a topic reaches the pages that joined it, not one that did not", async () => {
    const app = await start()
    const [ada, bob, eve] = [
      await openPage(browser!, app.pageUrl),
      await openPage(browser!, app.pageUrl),
      await openPage(browser!, app.pageUrl)
    ]
    await setName(ada, "ada")
    for (const page of [ada, bob, eve]) await waitOnline(page, 3)
    await joinTopic(ada, "rust")
    await joinTopic(bob, "rust")
    await say(ada, "a topic secret", "rust")
    await waitMessage(bob, "a topic secret")
    expect(await bob.locator("#messages li", { hasText: "a topic secret" }).locator(".tag").textContent()).toBe("#rust")
    // eve did not join: ada's next line to everyone reaches her, and the topic line came before it or not at all.
    await say(ada, "after the topic line")
    await waitMessage(eve, "ada: after the topic line")
    expect(await messages(eve)).toEqual(["ada: after the topic line"])
  })

  it("shows who is online: 2 with two pages, 1 after one closes", async () => {
    const app = await start()
    const [ada, bob] = [await openPage(browser!, app.pageUrl), await openPage(browser!, app.pageUrl)]
    for (const page of [ada, bob]) await waitOnline(page, 2)
    await bob.context().close()
    await waitOnline(ada, 1)
  })

  it("a page that reloads rejoins its topics", async () => {
    const app = await start()
    const [ada, bob] = [await openPage(browser!, app.pageUrl), await openPage(browser!, app.pageUrl)]
    await setName(bob, "bob")
    for (const page of [ada, bob]) await waitOnline(page, 2)
    await joinTopic(ada, "ops")
    await joinTopic(bob, "ops")
    await ada.reload()
    // A fresh document: "joined" again only once the server confirmed the new connection's /join.
    await waitJoined(ada, "ops")
    await say(bob, "welcome back", "ops")
    await waitMessage(ada, "bob: welcome back")
    expect(await messages(ada)).toHaveLength(1) // the reload left nothing of the old page
  })

  it("a page whose server went away reconnects (with backoff) and rejoins its topics", async () => {
    const first = await start()
    const ada = await openPage(browser!, first.pageUrl)
    await waitOnline(ada, 1)
    await joinTopic(ada, "ops")
    await first.stop()
    await ada.locator("#status[data-state='reconnecting']").waitFor({ timeout: 15_000 })
    const second = await start(["--port", String(first.port)])
    const bob = await openPage(browser!, second.pageUrl)
    await setName(bob, "bob")
    for (const page of [ada, bob]) await waitOnline(page, 2)
    await waitJoined(ada, "ops")
    await joinTopic(bob, "ops")
    await say(bob, "after the restart", "ops")
    await waitMessage(ada, "bob: after the restart")
  })
})
