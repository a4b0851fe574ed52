/** IdleWatch: the idle timeout's one timer — ping after a silent period, close after a second. */
import { describe, expect, it } from "@effect/vitest"
import type { Connection } from "../src/connection.js"
import type { SocketLink } from "../src/control.js"
import { IdleWatch, type Watched } from "../src/idle.js"

const IDLE = 40
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const conn = (id: number): Connection => ({ id, path: "/", query: "", protocol: undefined, extensions: [], remoteAddress: "test" })

const link = () => {
  const aborts: Array<{ code: number; at: number }> = []
  const value: SocketLink = {
    offer: () => [],
    queued: () => 0,
    buffered: () => 0,
    abort: (code) => void aborts.push({ code, at: Date.now() }),
    destroy: () => {}
  }
  return { value, aborts }
}

describe("IdleWatch", () => {
  it("pings a silent peer after idleTimeoutMs, never before, and closes it 1001 after a second silent period", async () => {
    const pings: Array<{ id: number; at: number }> = []
    // The ping's time is the sweep's clock reading, which the close is measured from: a
    // `Date.now()` taken in this callback can already be a millisecond later (seen in CI: 39 < 40).
    let watched: Watched | undefined
    const watch = new IdleWatch(IDLE, (c) => void pings.push({ id: c.id, at: watched!.pingedAt }))
    const silent = link()
    const started = Date.now()
    watched = watch.watch(conn(1), { bytesRead: 0 }, silent.value)
    await sleep(IDLE * 4)
    watch.stop()
    expect(pings.map((p) => p.id)).toEqual([1])
    expect(pings[0]!.at - started).toBeGreaterThanOrEqual(IDLE)
    expect(silent.aborts.map((a) => a.code)).toEqual([1001])
    expect(silent.aborts[0]!.at - pings[0]!.at).toBeGreaterThanOrEqual(IDLE)
  })

  it("a peer whose bytes keep coming is never pinged; one that answers the ping is not closed", async () => {
    const pings: Array<number> = []
    const watch = new IdleWatch(IDLE, (c) => void pings.push(c.id))
    const chatty = { bytesRead: 0 }
    const answering = { bytesRead: 0 }
    const chattyLink = link()
    const answeringLink = link()
    watch.watch(conn(1), chatty, chattyLink.value)
    watch.watch(conn(2), answering, answeringLink.value)
    const feeder = setInterval(() => chatty.bytesRead += 10, IDLE / 4)
    for (let i = 0; i < 8; i++) {
      await sleep(IDLE / 2)
      if (pings.includes(2)) answering.bytesRead += 6 // its Pong
    }
    clearInterval(feeder)
    watch.stop()
    expect(pings.filter((id) => id === 1)).toEqual([])
    expect(pings.filter((id) => id === 2).length).toBeGreaterThanOrEqual(1)
    expect(chattyLink.aborts).toEqual([])
    expect(answeringLink.aborts).toEqual([])
  })

  it("an unwatched connection is left alone; 0 disables the watch", async () => {
    const pings: Array<number> = []
    const watch = new IdleWatch(IDLE, (c) => void pings.push(c.id))
    const gone = link()
    watch.unwatch(watch.watch(conn(1), { bytesRead: 0 }, gone.value))
    const disabled = new IdleWatch(0, (c) => void pings.push(c.id))
    expect(disabled.watch(conn(2), { bytesRead: 0 }, gone.value)).toBeUndefined()
    await sleep(IDLE * 3)
    expect(pings).toEqual([])
    expect(gone.aborts).toEqual([])
  })
})
