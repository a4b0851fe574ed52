/** Plain HTTP requests for tests. */
import * as Http from "node:http"
import { Effect } from "effect"
import { within } from "./client.js"

/** A plain HTTP GET; resolves with status, headers and body. */
export const httpGet = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(() =>
    within(
      new Promise<{ status: number; headers: Http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const req = Http.get(url, { headers, agent: false }, (res) => {
          let body = ""
          res.setEncoding("utf8")
          res.on("data", (c: string) => (body += c))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        })
        req.on("error", reject)
      }),
      5_000,
      `GET ${url}`
    )
  )
