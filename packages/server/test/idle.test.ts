/** IdleWatch: the idle timeout's one timer — ping after a silent period, time out after a second. */
import { describe, expect, it } from "@effect/vitest"
import type { Connection } from "../src/connection/connection.js"
import { IdleWatch, type Watched } from "../src/connection/idle-watch.js"

const IDLE = 40
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const conn = (id: number): Connection => ({
  id,
  path: "/",
  query: "",
  protocol: undefined,
  extensions: [],
  remoteAddress: "test",
  variant: "rfc6455",
  node: "local"
})

/** What the watch watches: a connection's byte count and the watch's fields (a socket receiver's). */
const peer = (id: number): Watched & { bytesRead: number } => ({ conn: conn(id), bytesRead: 0, seen: 0, since: 0, pingedAt: -1 })

/** Records the watch's verdicts; `accept` decides whether the sender's inbox had room. */
const verdicts = (accept: () => boolean = () => true) => {
  const pings: Array<{ id: number; at: number }> = []
  const timeouts: Array<{ id: number; at: number }> = []
  return {
    pings,
    timeouts,
    value: {
      ping: (c: Connection) => {
        if (!accept()) return false
        pings.push({ id: c.id, at: Date.now() })
        return true
      },
      timeout: (c: Connection) => {
        if (!accept()) return false
        timeouts.push({ id: c.id, at: Date.now() })
        return true
      }
    }
  }
}

describe("IdleWatch", () => {
  it("pings a silent peer after idleTimeoutMs, never before, and times it out after a second silent period", async () => {
    const seen = verdicts()
    const watch = new IdleWatch(IDLE, seen.value)
    const started = Date.now()
    const watched: Watched | undefined = watch.watch(peer(1))
    // The sweep's own clock reading is what the timeout is measured from: a `Date.now()` taken in
    // the verdict can already be a millisecond later (seen in CI: 39 < 40).
    await sleep(IDLE / 2)
    await sleep(IDLE * 4)
    const pingedAt = watched!.pingedAt
    watch.stop()
    expect(seen.pings.map((p) => p.id)).toEqual([1])
    expect(seen.pings[0]!.at - started).toBeGreaterThanOrEqual(IDLE)
    expect(seen.timeouts.map((t) => t.id)).toEqual([1])
    expect(seen.timeouts[0]!.at - pingedAt).toBeGreaterThanOrEqual(IDLE)
  })

  it("a peer whose bytes keep coming is never pinged; one that answers the ping is not timed out", async () => {
    const seen = verdicts()
    const watch = new IdleWatch(IDLE, seen.value)
    const chatty = peer(1)
    const answering = peer(2)
    watch.watch(chatty)
    watch.watch(answering)
    const feeder = setInterval(() => (chatty.bytesRead += 10), IDLE / 4)
    for (let i = 0; i < 8; i++) {
      await sleep(IDLE / 2)
      if (seen.pings.some((p) => p.id === 2)) answering.bytesRead += 6 // its Pong
    }
    clearInterval(feeder)
    watch.stop()
    expect(seen.pings.filter((p) => p.id === 1)).toEqual([])
    expect(seen.pings.filter((p) => p.id === 2).length).toBeGreaterThanOrEqual(1)
    expect(seen.timeouts).toEqual([])
  })

  it("a verdict the sender had no room for is asked again at the next sweep", async () => {
    let room = false
    const seen = verdicts(() => room)
    const watch = new IdleWatch(IDLE, seen.value)
    watch.watch(peer(1))
    await sleep(IDLE * 3)
    expect(seen.pings).toEqual([])
    room = true
    await sleep(IDLE * 3)
    watch.stop()
    expect(seen.pings.map((p) => p.id)).toEqual([1])
    expect(seen.timeouts.map((t) => t.id)).toEqual([1])
  })

  it("an unwatched connection is left alone; 0 disables the watch", async () => {
    const seen = verdicts()
    const watch = new IdleWatch(IDLE, seen.value)
    watch.unwatch(watch.watch(peer(1)))
    const disabled = new IdleWatch(0, seen.value)
    expect(disabled.watch(peer(2))).toBeUndefined()
    await sleep(IDLE * 3)
    expect(seen.pings).toEqual([])
    expect(seen.timeouts).toEqual([])
  })
})
