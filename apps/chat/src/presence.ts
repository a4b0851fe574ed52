/**
 * Who is online, for the connections that asked for notices (`/notices`, see chat.ts): this
 * process's open connections, counted from the handler's `Open` and `Closed` events. With
 * several workers or nodes on a bus each process counts its own clients only: the count is
 * local (the bus carries messages, not membership).
 *
 * Notices are sent once per batch of events, and only when the count changed since the last
 * one (a burst of joins is one notice, not one per join); a connection that has just asked gets
 * the current count at once.
 */
import { Command, type Connection, Prepared } from "@wspipe/server"

/** The text of the online-count notice. */
export const onlineNotice = (count: number): string => `/online ${count}`

export class Presence {
  private readonly open = new Set<number>()
  private readonly watchers = new Map<number, Connection>()
  private readonly newWatchers: Array<Connection> = []
  private announced = -1

  opened(conn: Connection): void {
    this.open.add(conn.id)
  }

  closed(conn: Connection): void {
    this.open.delete(conn.id)
    this.watchers.delete(conn.id)
  }

  watch(conn: Connection): void {
    if (this.watchers.has(conn.id)) return
    this.watchers.set(conn.id, conn)
    this.newWatchers.push(conn)
  }

  isWatching(conn: Connection): boolean {
    return this.watchers.has(conn.id)
  }

  /** The notices this batch calls for: everyone watching when the count changed, else the newcomers. */
  notices(): Array<Command.Command> {
    const count = this.open.size
    const changed = count !== this.announced
    const to = changed ? [...this.watchers.values()] : this.newWatchers.filter((c) => this.watchers.has(c.id))
    this.newWatchers.length = 0
    if (to.length === 0) return []
    if (changed) this.announced = count
    // One message for all of them: framed (and compressed) once however many watch.
    const notice = Prepared.text(onlineNotice(count))
    return to.map((conn) => Command.unicast(conn, notice))
  }
}
