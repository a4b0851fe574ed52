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
    const watched: Watched | undefined = watch.watch(conn(1), { bytesRead: 0 })
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
    const chatty = { bytesRead: 0 }
    const answering = { bytesRead: 0 }
    watch.watch(conn(1), chatty)
    watch.watch(conn(2), answering)
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
    watch.watch(conn(1), { bytesRead: 0 })
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
    watch.unwatch(watch.watch(conn(1), { bytesRead: 0 }))
    const disabled = new IdleWatch(0, seen.value)
    expect(disabled.watch(conn(2), { bytesRead: 0 })).toBeUndefined()
    await sleep(IDLE * 3)
    expect(seen.pings).toEqual([])
    expect(seen.timeouts).toEqual([])
  })
})
