/**
 * The chat's plain HTTP side (`listen`'s `httpRequest` option): GET `/` is the page, `/chat.js`
 * and `/chat.css` its script and style, anything else 404; other methods 405. Upgrades on the
 * same port are the chat itself, so the page connects to its own origin.
 *
 * The Content-Security-Policy allows this origin's script, style and WebSocket and nothing else
 * (no inline code, no other hosts, no framing): the page needs no more, and a message that
 * smuggled markup could not run script even if the page rendered it (it renders text only).
 */
import type { Server } from "@wspipe/server"
import { pageHtml } from "./page-html.js"
import { pageScript } from "./page-script.js"
import { pageStyle } from "./page-style.js"

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const COMMON = {
  "Cache-Control": "no-cache",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer"
}

const files: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
  "/": { type: "text/html; charset=utf-8", body: pageHtml },
  "/chat.js": { type: "text/javascript; charset=utf-8", body: pageScript },
  "/chat.css": { type: "text/css; charset=utf-8", body: pageStyle }
}

export const chatPage: Server.HttpResponder = (request) => {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return {
      status: 405,
      headers: { ...COMMON, Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" },
      body: "method not allowed\n"
    }
  }
  const file = Object.hasOwn(files, request.path) ? files[request.path] : undefined
  if (file === undefined) {
    return { status: 404, headers: { ...COMMON, "Content-Type": "text/plain; charset=utf-8" }, body: `no such page: ${request.path}\n` }
  }
  return {
    status: 200,
    headers: { ...COMMON, "Content-Type": file.type, "Content-Security-Policy": CONTENT_SECURITY_POLICY },
    body: file.body
  }
}
