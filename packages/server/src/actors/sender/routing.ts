/**
 * Routing: the Erlang original's three routings — unicast, broadcast to all but the source,
 * broadcast to all — plus topics (rooms) and Pings. Each message is framed once, and the same
 * bytes go to every recipient.
 */
import { MAX_CONTROL_PAYLOAD } from "@wspipe/codec"
import type { Connection } from "../../connection/connection.js"
import type * as Command from "../../messages/command.js"
import { PerFraming } from "./framing.js"
import type { Entry, SenderState } from "./state.js"

/** Queues `message` framed for `entry`'s protocol, or counts it when that protocol cannot carry it. */
const pushMessage = (state: SenderState, entry: Entry, framed: PerFraming): void => {
  const bytes = framed.get(entry.framing)
  if (bytes !== undefined) state.push(entry, bytes)
  else state.recorder?.unsendable(entry.framing.name, "message")
}

const toAll = (state: SenderState, framed: PerFraming, except: Connection | undefined): void => {
  for (const entry of state.registry.values()) {
    if (entry.conn.id !== except?.id && !entry.closeSent) pushMessage(state, entry, framed)
  }
}

/** Routes a data command, a Ping or a topic change. */
export const route = (state: SenderState, command: Command.Command): void => {
  const { fragmentSize } = state.options
  switch (command._tag) {
    case "Unicast": {
      const entry = state.registry.get(command.to.id)
      if (entry !== undefined && !entry.closeSent) pushMessage(state, entry, new PerFraming(command.message, fragmentSize))
      return
    }
    case "Broadcast":
      return toAll(state, new PerFraming(command.message, fragmentSize), command.except)
    case "BroadcastAll":
      return toAll(state, new PerFraming(command.message, fragmentSize), undefined)
    case "Publish": {
      const members = state.topics.get(command.topic)
      if (members === undefined) return
      const framed = new PerFraming(command.message, fragmentSize)
      const except = command.except?.id
      for (const entry of members) {
        if (entry.conn.id !== except && !entry.closeSent) pushMessage(state, entry, framed)
      }
      return
    }
    case "Subscribe": {
      const entry = state.registry.get(command.conn.id)
      if (entry === undefined || entry.ended) return
      let members = state.topics.get(command.topic)
      if (members === undefined) state.topics.set(command.topic, members = new Set())
      members.add(entry)
      ;(entry.topics ??= new Set()).add(command.topic)
      return
    }
    case "Unsubscribe": {
      const entry = state.registry.get(command.conn.id)
      const members = state.topics.get(command.topic)
      if (entry === undefined || members === undefined) return
      members.delete(entry)
      entry.topics?.delete(command.topic)
      if (members.size === 0) state.topics.delete(command.topic)
      return
    }
    case "Ping": {
      const entry = state.registry.get(command.to.id)
      // A control frame carries at most 125 bytes (RFC 6455 §5.5).
      if (entry === undefined || entry.closeSent || command.data.length > MAX_CONTROL_PAYLOAD) return
      const ping = entry.framing.ping(command.data)
      if (ping !== undefined) state.push(entry, ping)
      else state.recorder?.unsendable(entry.framing.name, "ping")
      return
    }
    case "Close":
      // Handled by the close handshake (closing.ts).
      return
  }
}

/** Answers a Ping with its payload (§5.5.3); none after our Close (§5.5.1). */
export const pong = (state: SenderState, to: Connection, data: Uint8Array): void => {
  const entry = state.registry.get(to.id)
  const frame = entry === undefined || entry.closeSent ? undefined : entry.framing.pong(data)
  if (frame !== undefined) state.push(entry!, frame)
}

/** The idle watch's ping: on a protocol without Ping (draft-76) nothing is sent, and nothing counted. */
export const idlePing = (state: SenderState, to: Connection): void => {
  const entry = state.registry.get(to.id)
  const frame = entry === undefined || entry.closeSent ? undefined : entry.framing.ping(new Uint8Array(0))
  if (frame !== undefined) state.push(entry!, frame)
}
