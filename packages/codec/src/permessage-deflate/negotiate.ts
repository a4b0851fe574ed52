/**
 * Server-side negotiation of permessage-deflate (RFC 7692 §5, §7.1): the first acceptable offer
 * wins; the response and the agreed per-direction parameters follow from it and the server's
 * options.
 *
 * Defaults answer `server_no_context_takeover; client_no_context_takeover` whatever the client
 * offered (§7.1.1.1 and §7.1.1.2 let a server add both unasked), so no compression state outlives
 * a message and one compressor and one decompressor can serve every connection.
 *
 * Window bits 8: zlib refuses a raw deflate stream with windowBits 8, and Node's `DeflateRaw`
 * silently uses 9. That is still correct for a peer that agreed to 8: zlib never emits a distance
 * above `w_size - MIN_LOOKAHEAD` = 512 - 262 = 250 bytes with a 9-bit window, which a 256-byte
 * window decodes. So offers with `server_max_window_bits=8` are accepted and answered with 8
 * (RFC 7692 §7.1.2.1 allows no larger value in the answer); the engine maps 8 → 9 for zlib
 * ({@link zlibWindowBits}). Inflating with 8 bits is supported by zlib as such.
 *
 * @module
 */
import type { ExtensionOffer } from "../negotiation.js"
import { NAME, parseOffer, type Offer } from "./params.js"

/**
 * Server options. Window bits are 8–15; `level` 0–9 and `memLevel` 1–9 are zlib's.
 *
 * @example
 * ```ts
 * const options: PermessageDeflate.Options = { serverNoContextTakeover: false, serverMaxWindowBits: 10, memLevel: 4 }
 * ```
 */
export interface Options {
  /** Answer `server_no_context_takeover` even unasked (§7.1.1.1). Default `true`. */
  readonly serverNoContextTakeover?: boolean | undefined
  /** Answer `client_no_context_takeover` even unasked (§7.1.1.2). Default `true`. */
  readonly clientNoContextTakeover?: boolean | undefined
  /** Largest window our compressor uses (§7.1.2.1). Default 15. */
  readonly serverMaxWindowBits?: number | undefined
  /** Largest window we let the client compress with (§7.1.2.2). Default 15. */
  readonly clientMaxWindowBits?: number | undefined
  /** Messages shorter than this many bytes are sent uncompressed (RSV1 = 0). Default 1024. */
  readonly threshold?: number | undefined
  /** zlib compression level. Default 1 (see docs/deflate-engine.md). */
  readonly level?: number | undefined
  /** zlib memLevel: hash table size of a compressor. Default 8. */
  readonly memLevel?: number | undefined
}

/**
 * The parameters of one direction (RFC 7692 §7.1): the LZ77 window size agreed for it, and
 * whether the window is reset after each message.
 *
 * @example
 * ```ts
 * const d: PermessageDeflate.Direction = { windowBits: 15, noContextTakeover: true }
 * ```
 */
export interface Direction {
  readonly windowBits: number
  readonly noContextTakeover: boolean
}

/**
 * The outcome of an accepted offer. `inflate` is what the client compresses with and the server
 * decompresses (the `client_*` parameters); `deflate` is the server's own compression (the
 * `server_*` parameters). Agreements are shared: equal outcomes are the same frozen object, so a
 * connection holds only a reference.
 *
 * @example
 * ```ts
 * const a = PermessageDeflate.negotiate([{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }], {})
 * a?.deflate // { windowBits: 15, noContextTakeover: true }
 * ```
 */
export interface Agreement {
  /** The `Sec-WebSocket-Extensions` element to answer with. */
  readonly response: ExtensionOffer
  readonly inflate: Direction
  readonly deflate: Direction
  readonly threshold: number
  readonly level: number
  readonly memLevel: number
}

/** Options with defaults applied and ranges checked. */
export interface ResolvedOptions {
  readonly serverNoContextTakeover: boolean
  readonly clientNoContextTakeover: boolean
  readonly serverMaxWindowBits: number
  readonly clientMaxWindowBits: number
  readonly threshold: number
  readonly level: number
  readonly memLevel: number
}

const int = (name: string, value: number | undefined, fallback: number, lo: number, hi: number): number => {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`permessage-deflate: ${name} must be an integer in ${lo}..${hi}, got ${value}`)
  }
  return value
}

/**
 * Applies defaults; throws a RangeError for an option out of range (a programming error, not
 * peer input).
 *
 * @example
 * ```ts
 * PermessageDeflate.resolveOptions({}).level // 1
 * PermessageDeflate.resolveOptions({ serverMaxWindowBits: 16 }) // throws RangeError
 * ```
 */
export const resolveOptions = (options: Options = {}): ResolvedOptions => ({
  serverNoContextTakeover: options.serverNoContextTakeover ?? true,
  clientNoContextTakeover: options.clientNoContextTakeover ?? true,
  serverMaxWindowBits: int("serverMaxWindowBits", options.serverMaxWindowBits, 15, 8, 15),
  clientMaxWindowBits: int("clientMaxWindowBits", options.clientMaxWindowBits, 15, 8, 15),
  threshold: int("threshold", options.threshold, 1024, 0, Number.MAX_SAFE_INTEGER),
  level: int("level", options.level, 1, 0, 9),
  memLevel: int("memLevel", options.memLevel, 8, 1, 9)
})

/**
 * The window bits to give zlib's raw deflate for an agreed value: 8 becomes 9 (see the module
 * comment: zlib's 9-bit window never references more than 250 bytes back).
 *
 * @example
 * ```ts
 * PermessageDeflate.zlibWindowBits(8)  // 9
 * PermessageDeflate.zlibWindowBits(12) // 12
 * ```
 */
export const zlibWindowBits = (bits: number): number => (bits === 8 ? 9 : bits)

/**
 * Accepts one parsed offer under resolved options (RFC 7692 §7.1). Never declines a valid offer:
 * every parameter a client may offer can be satisfied by lowering our own window or by not taking
 * over context.
 */
const accept = (offer: Offer, o: ResolvedOptions): Omit<Agreement, "response"> & { params: Array<readonly [string, string | true]> } => {
  const params: Array<readonly [string, string | true]> = []
  // Server → client (§7.1.1.1, §7.1.2.1): comply with the client's limits, add our own.
  const deflateNoTakeover = o.serverNoContextTakeover || offer.serverNoContextTakeover
  const deflateBits = Math.min(o.serverMaxWindowBits, offer.serverMaxWindowBits ?? 15)
  // Client → server (§7.1.1.2, §7.1.2.2).
  let inflateNoTakeover = o.clientNoContextTakeover || offer.clientNoContextTakeover
  let inflateBits = 15
  let answerClientBits: number | undefined
  const offered = offer.clientMaxWindowBits
  if (offered === undefined) {
    // We MUST NOT answer client_max_window_bits (§7.1.2.2), so the client may use 15 bits. If we
    // wanted less to bound a takeover window, drop takeover instead (§7.1.1.2 lets us add it).
    if (o.clientMaxWindowBits < 15) inflateNoTakeover = true
  } else {
    inflateBits = Math.min(o.clientMaxWindowBits, offered === true ? 15 : offered)
    // Answer when we limit the client, or to confirm the value it offered ("same or smaller").
    if (offered !== true || inflateBits < 15) answerClientBits = inflateBits
  }
  if (deflateNoTakeover) params.push(["server_no_context_takeover", true])
  if (inflateNoTakeover) params.push(["client_no_context_takeover", true])
  if (offer.serverMaxWindowBits !== undefined || deflateBits < 15) {
    params.push(["server_max_window_bits", String(deflateBits)])
  }
  if (answerClientBits !== undefined) params.push(["client_max_window_bits", String(answerClientBits)])
  return {
    params,
    inflate: { windowBits: inflateBits, noContextTakeover: inflateNoTakeover },
    deflate: { windowBits: deflateBits, noContextTakeover: deflateNoTakeover },
    threshold: o.threshold,
    level: o.level,
    memLevel: o.memLevel
  }
}

/**
 * A negotiator that keeps one frozen {@link Agreement} per distinct outcome, so connections
 * share them.
 *
 * @example
 * ```ts
 * const negotiate = PermessageDeflate.negotiator(PermessageDeflate.resolveOptions({}))
 * negotiate(offers) === negotiate(offers) // true: the same object
 * ```
 */
export const negotiator = (options: ResolvedOptions) => {
  const cache = new Map<string, Agreement>()
  return (offers: ReadonlyArray<ExtensionOffer>): Agreement | undefined => {
    for (const raw of offers) {
      if (raw.name !== NAME) continue
      const offer = parseOffer(raw)
      if (!("serverNoContextTakeover" in offer)) continue // declined: try the next offer (§5)
      const a = accept(offer, options)
      const key = a.params.map(([k, v]) => (v === true ? k : `${k}=${v}`)).join(";")
      let agreement = cache.get(key)
      if (agreement === undefined) {
        agreement = Object.freeze({
          response: Object.freeze({ name: NAME, params: Object.freeze(a.params.map((p) => Object.freeze(p))) }),
          inflate: Object.freeze(a.inflate),
          deflate: Object.freeze(a.deflate),
          threshold: a.threshold,
          level: a.level,
          memLevel: a.memLevel
        })
        cache.set(key, agreement)
      }
      return agreement
    }
    return undefined
  }
}

/**
 * One-shot negotiation: the agreement for the first acceptable offer, or `undefined` (then the
 * server answers without the extension, RFC 7692 §5).
 *
 * @example
 * ```ts
 * PermessageDeflate.negotiate(Negotiation.parseExtensions("permessage-deflate; client_max_window_bits") as Negotiation.ExtensionOffer[], {})
 *   ?.response // { name: "permessage-deflate", params: [["server_no_context_takeover", true], ["client_no_context_takeover", true]] }
 * ```
 */
export const negotiate = (offers: ReadonlyArray<ExtensionOffer>, options: Options = {}): Agreement | undefined =>
  negotiator(resolveOptions(options))(offers)
