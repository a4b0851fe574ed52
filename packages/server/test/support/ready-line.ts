/** The URL a server program prints in its ready line (`listening on ws://…`), once it has. */
import type { Readable } from "node:stream"

export const listeningUrl = (stdout: Readable): Promise<string> =>
  new Promise<string>((resolve) => {
    let seen = ""
    stdout.on("data", (d) => {
      seen += String(d)
      const match = /listening on (ws:\/\/\S+)/.exec(seen)
      if (match !== null) resolve(match[1]!)
    })
  })
