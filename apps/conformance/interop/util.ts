/**
 * Small helpers shared by the interop tests (apps/conformance/test/interop-*.test.ts).
 * Everything here is deterministic or bounded in time, so a test either passes or fails with a
 * message that says which wait ran out.
 */
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"

/** Repository root (this file lives in apps/conformance/interop/). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/** Rejects with `what` in the message when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Deterministic bytes that are not periodic with any small period (so a dropped, duplicated or
 * reordered chunk inside a large message changes the content, not just the length). The same
 * formula is used by the browser page (interop/browser-page.html); keep them in sync.
 */
export function patternBytes(length: number, seed = 0): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >>> 8) * 7 + (i >>> 16) * 13 + seed) & 0xff
  return out
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex")
}

/** interop/close-server.ts closes with SERVER_CLOSE_CODE/REASON when it receives this text. */
export const CLOSE_TRIGGER = "close-me"
export const SERVER_CLOSE_CODE = 4001
export const SERVER_CLOSE_REASON = "server says bye"
