/**
 * Routing: the Erlang original's three routings — unicast, broadcast to all but the source,
 * broadcast to all — plus topics (rooms) and Pings. Each message is framed once per protocol in
 * use, and the same bytes go to every recipient. With a bus, what concerns other nodes leaves
 * through it once (`bus/bus.ts`); what came from the bus (`remote`) is delivered here only.
 */
import { Encoder } from "@wspipe/codec"
import type { Address } from "../../connection/connection.js"
import type * as Command from "../../messages/command.js"
import { Pending } from "../../deflate/errors.js"
import { compressible } from "./compression.js"
import { formsOf, type PerFraming } from "./framing.js"
import type { Entry, SenderState } from "./state.js"

/**
 * Queues `message` framed for `entry`'s protocol — compressed when the connection agreed to
 * permessage-deflate — or counts it when that protocol cannot carry it.
 */
const pushMessage = (state: SenderState, entry: Entry, framed: PerFraming): void => {
  if (entry.deflater !== undefined && state.deflate !== undefined && compressible(framed.outgoing)) {
    const payload = framed.compressed().for(state.deflate, entry.deflater, { entry, message: framed })
    if (payload === Pending) return // the deflater pushes it when done, in order
    if (payload !== undefined) return state.pushNow(entry, framed.compressed().frame(payload))
  }
  const bytes = framed.get(entry.framing)
  if (bytes !== undefined) state.push(entry, bytes)
  else state.recorder?.unsendable(entry.framing.name, "message")
}

/** `except` when it is one of ours (a source on another node excludes nobody here). */
const localId = (state: SenderState, a: Address | undefined): number | undefined => (a !== undefined && state.isLocal(a) ? a.id : undefined)

const toAll = (state: SenderState, framed: PerFraming, except: Address | undefined): void => {
  const skip = localId(state, except)
  for (const entry of state.registry.values()) {
    if (entry.conn.id !== skip && !entry.closeSent) pushMessage(state, entry, framed)
  }
}

/** The local connection `to` names, or undefined when it is not ours (or gone). */
export const localEntry = (state: SenderState, to: Address): Entry | undefined =>
  state.isLocal(to) ? state.registry.get(to.id) : undefined

/** Routes a data command, a Ping or a topic change. `remote`: it came from another node. */
export const route = (state: SenderState, command: Command.Command, remote: boolean): void => {
  const { fragmentSize } = state.options
  const bus = remote ? undefined : state.bus
  switch (command._tag) {
    case "Unicast": {
      if (!state.isLocal(command.to)) return bus?.send({ kind: "unicast", to: command.to, message: command.message })
      const entry = state.registry.get(command.to.id)
      if (entry !== undefined && !entry.closeSent) pushMessage(state, entry, formsOf(state, command.message, fragmentSize))
      return
    }
    case "Broadcast":
      toAll(state, formsOf(state, command.message, fragmentSize), command.except)
      return bus?.send({ kind: "broadcast", except: command.except, message: command.message })
    case "BroadcastAll":
      toAll(state, formsOf(state, command.message, fragmentSize), undefined)
      return bus?.send({ kind: "broadcastAll", except: undefined, message: command.message })
    case "Publish": {
      bus?.send({ kind: "publish", topic: command.topic, except: command.except, message: command.message })
      const members = state.topics.get(command.topic)
      if (members === undefined) return
      const framed = formsOf(state, command.message, fragmentSize)
      const skip = localId(state, command.except)
      for (const entry of members) {
        if (entry.conn.id !== skip && !entry.closeSent) pushMessage(state, entry, framed)
      }
      return
    }
    case "Subscribe": {
      const entry = localEntry(state, command.conn)
      if (entry === undefined || entry.ended) return
      let members = state.topics.get(command.topic)
      if (members === undefined) {
        state.topics.set(command.topic, (members = new Set()))
        state.bus?.interested(command.topic, true)
      }
      members.add(entry)
      ;(entry.topics ??= new Set()).add(command.topic)
      return
    }
    case "Unsubscribe": {
      const entry = localEntry(state, command.conn)
      const members = state.topics.get(command.topic)
      if (entry === undefined || members === undefined) return
      members.delete(entry)
      entry.topics?.delete(command.topic)
      if (members.size === 0) state.dropTopic(command.topic)
      return
    }
    case "Ping": {
      const entry = localEntry(state, command.to)
      // A control frame carries at most 125 bytes (RFC 6455 §5.5).
      if (entry === undefined || entry.closeSent || command.data.length > Encoder.MAX_CONTROL_PAYLOAD) return
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
export const pong = (state: SenderState, to: Address, data: Uint8Array): void => {
  const entry = state.registry.get(to.id)
  const frame = entry === undefined || entry.closeSent ? undefined : entry.framing.pong(data)
  if (frame !== undefined) state.push(entry!, frame)
}

/** The idle watch's ping: on a protocol without Ping (draft-76) nothing is sent, and nothing counted. */
export const idlePing = (state: SenderState, to: Address): void => {
  const entry = state.registry.get(to.id)
  const frame = entry === undefined || entry.closeSent ? undefined : entry.framing.ping(new Uint8Array(0))
  if (frame !== undefined) state.push(entry!, frame)
}
