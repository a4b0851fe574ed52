/**
 * Categories 12 and 13 (permessage-deflate, RFC 7692). wspipe does not implement compression
 * yet, so every case is UNIMPLEMENTED; that the server DECLINES a permessage-deflate offer
 * (RFC 6455 §9.1: the server answers only with extensions it supports) is checked by H.22.
 * Numbering as in Autobahn: 12.1-12.5 and 13.1-13.7, 18 cases each.
 */
import type { Case } from "../scenario.js"

const cases: Case[] = []
for (const [cat, subs] of [[12, 5], [13, 7]] as const) {
  for (let s = 1; s <= subs; s++) {
    for (let i = 1; i <= 18; i++) {
      cases.push({
        id: `${cat}.${s}.${i}`,
        description: `permessage-deflate case ${cat}.${s}.${i} (RFC 7692).`,
        expectation: "Compression is not supported: the server must decline permessage-deflate (see H.22).",
        noAliveCheck: true,
        run: async () => ({ outcome: "UNIMPLEMENTED", detail: "permessage-deflate not implemented; offer declined (H.22)" })
      })
    }
  }
}

export const compressionCases = cases
