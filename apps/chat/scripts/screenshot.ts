/**
 * Makes docs/images/chat.png: the real chat app on a free port, two users in headless Chromium
 * (Debian's chromium, as the page tests use), a topic joined, a few lines exchanged; the
 * screenshot is of the first user's page. Run: `pnpm --filter @wspipe/chat screenshot`.
 */
import { mkdir } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { launchChromium, openPage } from "../test/support/browser.js"
import { startChatApp } from "../test/support/chat-app.js"
import { joinTopic, say, setName, waitMessage, waitOnline } from "../test/support/chat-page.js"

const target = fileURLToPath(new URL("../../../docs/images/chat.png", import.meta.url))

const app = await startChatApp()
const browser = await launchChromium()
try {
  const ada = await openPage(browser, app.pageUrl)
  const linus = await openPage(browser, app.pageUrl)
  await waitOnline(ada, 2)
  await setName(ada, "ada")
  await setName(linus, "linus")
  await joinTopic(ada, "engines")
  await joinTopic(linus, "engines")
  await say(linus, "hello from the other tab")
  await waitMessage(ada, "hello from the other tab")
  await say(ada, "hi linus: this line went through the sender's broadcast")
  await waitMessage(linus, "this line went through")
  await say(linus, "and this one only to the engines topic", "engines")
  await waitMessage(ada, "only to the engines topic")
  await mkdir(fileURLToPath(new URL("../../../docs/images/", import.meta.url)), { recursive: true })
  await ada.screenshot({ path: target })
  console.log(`wrote ${target}`)
} finally {
  await browser.close()
  await app.stop()
}
