// packages/server/examples/callbacks-chat.ts
/**
 * A chat with the callback API alone: every line goes to everyone else, `/join <room>` and
 * `/leave <room>` manage rooms, `/room <room> <text>` speaks in one. Topics and broadcasts are
 * commands of the current connection (`Callbacks.broadcast`, `Callbacks.subscribe`,
 * `Callbacks.publish`), so no reference to the server is needed and `Server.runMain` works as is.
 */
import { Callbacks } from "@wspipe/server"
import { Effect } from "effect"

export const chat = Callbacks.make({
  init: () => ({ rooms: [] as ReadonlyArray<string> }),
  message: (data, state) => {
    if (typeof data !== "string") return Effect.as(Callbacks.broadcast(data), state)
    const [command, room = "", ...words] = data.split(" ")
    if (command === "/join") return Effect.as(Callbacks.subscribe(room), { rooms: [...state.rooms, room] })
    if (command === "/leave") return Effect.as(Callbacks.unsubscribe(room), { rooms: state.rooms.filter((r) => r !== room) })
    if (command === "/room") return Effect.as(Callbacks.publish(room, `${room}: ${words.join(" ")}`, { exceptSelf: true }), state)
    return Effect.as(Callbacks.broadcast(data), state)
  }
})
