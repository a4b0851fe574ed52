/**
 * The close handshake as the sender carries it out (RFC 6455 §7): our Close and its timer, the
 * reply to the peer's Close, the end of TCP, and the closes the server starts (a handler's close,
 * shutdown, the idle timeout).
 */
import { Close } from "@wspipe/codec"
import { type CloseStart, record } from "../../connection/connection.js"
import type * as Command from "../../messages/command.js"
import { End } from "../../messages/outbound.js"
import type { Ending } from "../../messages/runtime-message.js"
import type { Entry, SenderState } from "./state.js"

/** Notes who started the close on the connection's record, for the receiver's `Closed` event. */
const noteStart = (entry: Entry, start: CloseStart): void => {
  const rec = record(entry.conn)
  if (rec.closing === undefined) rec.closing = start
}

/** Sends our Close and waits a bounded time for the peer's (§7.1.1: then drop TCP ourselves). */
export const startClose = (state: SenderState, entry: Entry, start: CloseStart): void => {
  if (entry.closeSent || entry.ended) return
  noteStart(entry, start)
  state.push(entry, entry.framing.close(start.code, start.reason))
  entry.closeSent = true
  entry.closeTimer = setTimeout(() => entry.link.destroy(), state.options.closeTimeoutMs)
  entry.closeTimer.unref()
}

/**
 * A handler's `Command.close`. The codec's rule decides what may be sent (RFC 6455 §7.4, §5.5:
 * 1000, 1001–1003, 1007–1014, 3000–4999, a reason of at most 123 bytes). `Command.close` itself is
 * plain data; an invalid pair is never put on the wire: the connection closes with 1011 instead
 * (the handler's error). `Callbacks.close` and the connection handle check it at the call site.
 */
export const close = (state: SenderState, command: Command.Close, remote: boolean): void => {
  if (!state.isLocal(command.to)) {
    if (!remote) state.bus?.send({ kind: "close", to: command.to, code: command.code, reason: command.reason })
    return
  }
  const entry = state.registry.get(command.to.id)
  if (entry === undefined) return
  const valid = Close.checkArgs(command.code, command.reason) === undefined
  startClose(
    state,
    entry,
    valid
      ? { origin: "server", code: command.code, reason: command.reason }
      : { origin: "server", code: 1011, reason: "invalid close code or reason" }
  )
}

/** Shutdown: Close every connection with `code`. */
export const closeAll = (state: SenderState, code: number, reason: string): void => {
  for (const entry of state.registry.values()) startClose(state, entry, { origin: "shutdown", code, reason })
}

/** Queues `End`: the socket sender ends TCP after everything before it (the server closes first, §7.1.1). */
const pushEnd = (state: SenderState, entry: Entry): void => {
  state.push(entry, End)
  entry.ended = true
}

/**
 * Carries out an ending the receiver reported, which reached the sender behind the handler's
 * replies: answer with a Close unless ours went already — the peer's code echoed (§5.5.1; none
 * when its Close had none), or the failure's code (§7.1.7) — then end TCP and forget the
 * connection. A TCP end needs no Close.
 */
export const end = (state: SenderState, ending: Ending): void => {
  const entry = state.registry.get(ending.to.id)
  if (entry === undefined) return
  if (ending._tag !== "Gone" && !entry.closeSent) {
    // The peer's code echoed with no reason (1005: none either, §5.5.1), or the failure's code and reason.
    state.push(entry, entry.framing.close(ending.code, ending._tag === "Fail" ? ending.reason : ""))
  }
  entry.closeSent = true
  pushEnd(state, entry)
  state.forget(entry)
}

/**
 * Fails a connection at once, past its queue: the idle watch's verdict (no answer to our ping)
 * and the slow-consumer policy. The socket sender writes the Close straight to the socket.
 */
export const abort = (state: SenderState, entry: Entry, start: CloseStart): void => {
  if (entry.ended) return
  noteStart(entry, start)
  entry.ended = true
  entry.deflater?.close() // what it still compresses for this connection will not be sent
  state.forget(entry)
  entry.link.abort(entry.framing.close(start.code, start.reason))
}
