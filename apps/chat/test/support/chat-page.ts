/**
 * Driving the chat page as a user would (typing, clicking), and waiting on what it shows with
 * Playwright's own waiting: no sleeps.
 */
import type { Page } from "playwright-core"

const WAIT_MS = 15_000

/** The page is connected and shows `count` online. */
export const waitOnline = async (page: Page, count: number): Promise<void> => {
  await page.locator("#status[data-state='connected']").waitFor({ timeout: WAIT_MS })
  await page
    .locator("#online")
    .filter({ hasText: new RegExp(`^${count}$`) })
    .waitFor({ timeout: WAIT_MS })
}

export const setName = async (page: Page, name: string): Promise<void> => {
  await page.locator("#name").fill(name)
  await page.locator("#name").blur() // the name is taken on "change"
}

/** Joins `topic` with the form and waits for the server's confirmation (the topic shows as joined). */
export const joinTopic = async (page: Page, topic: string): Promise<void> => {
  await page.locator("#topic").fill(topic)
  await page.locator("#join").click()
  await waitJoined(page, topic)
}

export const waitJoined = (page: Page, topic: string): Promise<void> =>
  page.locator(`#topics li[data-topic='${topic}'][data-state='joined']`).waitFor({ timeout: WAIT_MS })

/** Types `text` into #message and presses Enter, to everyone or (with `topic`) to that topic. */
export const say = async (page: Page, text: string, topic = ""): Promise<void> => {
  await page.locator("#to").selectOption(topic)
  await page.locator("#message").fill(text)
  await page.locator("#message").press("Enter")
}

/** Waits until #messages has an item containing `text`. */
export const waitMessage = (page: Page, text: string): Promise<void> =>
  page.locator("#messages li", { hasText: text }).first().waitFor({ timeout: WAIT_MS })

/** Everything #messages shows, one string per item. */
export const messages = (page: Page): Promise<Array<string>> => page.locator("#messages li").allTextContents()
