/**
 * The bus' wire format: one bus message as one byte string. Dependency-free; the payload is
 * copied once, byte for byte (no base64, no JSON).
 *
 * Layout, version 1 (integers big-endian, strings UTF-8 with a u16 byte length before them):
 *
 * ```
 * u8 version (1) | u8 kind | u8 flags | str node
 * [str topic] [str except] [str to] [u16 code] [str reason]   -- each only when its flag is set
 * u32 data length | data bytes                                 -- the buffer ends exactly there
 * ```
 *
 * kind: 0 broadcast, 1 broadcastAll, 2 publish, 3 unicast, 4 close. flags: bit 0 binary message,
 * bit 1 topic, bit 2 except, bit 3 to, bit 4 code, bit 5 reason; other bits must be 0.
 * `publish` needs a topic; `unicast` and `close` need `to`.
 *
 * Neither function throws: bad input gives a `WireError` value.
 *
 * @module
 */

/**
 * What a bus message asks the receiving nodes' senders to do.
 *
 * @example
 * ```ts
 * const k: BusKind = "publish"
 * ```
 */
export type BusKind = "broadcast" | "broadcastAll" | "publish" | "unicast" | "close"

/**
 * One bus message. `node` is the origin node's id (the bus drops its own); `except` and `to` are
 * connection ids; `code` / `reason` are for `close`.
 *
 * @example
 * ```ts
 * const m: BusMessage = { node: "n1", kind: "publish", topic: "room:1", messageKind: "text", data: bytes }
 * ```
 */
export interface BusMessage {
  readonly node: string
  readonly kind: BusKind
  readonly topic?: string
  readonly except?: string
  readonly to?: string
  readonly code?: number
  readonly reason?: string
  readonly messageKind: "text" | "binary"
  readonly data: Uint8Array
}

/**
 * Why a message could not be encoded, or bytes could not be decoded; `offset` is where decoding
 * stopped (0 for encoding).
 *
 * @example
 * ```ts
 * const r = decode(bytes)
 * if (r instanceof WireError) console.warn(r.reason, r.offset)
 * ```
 */
export class WireError extends Error {
  readonly _tag = "WireError" as const
  constructor(
    readonly reason: string,
    readonly offset = 0
  ) {
    super(offset === 0 ? reason : `${reason} (at byte ${offset})`)
    this.name = "WireError"
  }
}

/**
 * The version byte `encode` writes and `decode` accepts.
 *
 * @example
 * ```ts
 * encoded[0] === WIRE_VERSION // true
 * ```
 */
export const WIRE_VERSION = 1

const KINDS: ReadonlyArray<BusKind> = ["broadcast", "broadcastAll", "publish", "unicast", "close"]
const KIND_CODE: Readonly<Record<BusKind, number>> = { broadcast: 0, broadcastAll: 1, publish: 2, unicast: 3, close: 4 }
const F_BINARY = 1,
  F_TOPIC = 2,
  F_EXCEPT = 4,
  F_TO = 8,
  F_CODE = 16,
  F_REASON = 32
const F_KNOWN = 63
const MAX_STR = 0xffff

const utf8 = new TextEncoder()
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const required = (kind: BusKind, flags: number): string | undefined => {
  if (kind === "publish" && (flags & F_TOPIC) === 0) return "publish needs a topic"
  if ((kind === "unicast" || kind === "close") && (flags & F_TO) === 0) return `${kind} needs to`
  return undefined
}

/**
 * Encodes a message into one new `Uint8Array`.
 *
 * @example
 * ```ts
 * const bytes = encode({ node: "n1", kind: "broadcastAll", messageKind: "binary", data: new Uint8Array([1, 2]) })
 * if (bytes instanceof WireError) throw bytes
 * ```
 */
export const encode = (m: BusMessage): Uint8Array | WireError => {
  const code = KIND_CODE[m.kind]
  if (code === undefined) return new WireError(`unknown kind ${String(m.kind)}`)
  if (m.messageKind !== "text" && m.messageKind !== "binary") return new WireError(`unknown messageKind ${String(m.messageKind)}`)
  if (!(m.data instanceof Uint8Array)) return new WireError("data must be a Uint8Array")
  const strings: Array<Uint8Array> = []
  let flags = m.messageKind === "binary" ? F_BINARY : 0
  let size = 3 + 4 + m.data.byteLength
  const str = (s: string | undefined, flag: number, name: string): string | undefined => {
    if (s === undefined) return undefined
    if (typeof s !== "string") return `${name} must be a string`
    const b = utf8.encode(s)
    if (b.byteLength > MAX_STR) return `${name} is ${b.byteLength} bytes, more than ${MAX_STR}`
    strings.push(b)
    flags |= flag
    size += 2 + b.byteLength
    return undefined
  }
  const bad =
    str(m.node, 0, "node") ??
    (m.node === undefined ? "node is missing" : undefined) ??
    str(m.topic, F_TOPIC, "topic") ??
    str(m.except, F_EXCEPT, "except") ??
    str(m.to, F_TO, "to")
  if (bad !== undefined) return new WireError(bad)
  if (m.code !== undefined) {
    if (!Number.isInteger(m.code) || m.code < 0 || m.code > 0xffff)
      return new WireError(`code must be an integer in 0..65535, got ${m.code}`)
    flags |= F_CODE
    size += 2
  }
  const reasonIndex = strings.length
  const badReason = str(m.reason, F_REASON, "reason")
  if (badReason !== undefined) return new WireError(badReason)
  const missing = required(m.kind, flags)
  if (missing !== undefined) return new WireError(missing)
  if (m.data.byteLength > 0xffffffff) return new WireError("data is longer than 4 GiB")

  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out[0] = WIRE_VERSION
  out[1] = code
  out[2] = flags
  let at = 3
  const put = (b: Uint8Array) => {
    view.setUint16(at, b.byteLength)
    out.set(b, at + 2)
    at += 2 + b.byteLength
  }
  for (let i = 0; i < reasonIndex; i++) put(strings[i]!)
  if (m.code !== undefined) {
    view.setUint16(at, m.code)
    at += 2
  }
  if (reasonIndex < strings.length) put(strings[reasonIndex]!)
  view.setUint32(at, m.data.byteLength)
  out.set(m.data, at + 4)
  return out
}

/**
 * Decodes one message. `data` is a view into `bytes` (no copy): copy it to keep it past `bytes`.
 * Garbage (wrong version, unknown kind or flag bits, a length past the end, trailing bytes,
 * invalid UTF-8, a missing field the kind needs) gives a `WireError`, never an exception.
 *
 * @example
 * ```ts
 * const m = decode(bytes)
 * if (!(m instanceof WireError) && m.node !== myNode) deliver(m)
 * ```
 */
export const decode = (bytes: Uint8Array): BusMessage | WireError => {
  if (!(bytes instanceof Uint8Array)) return new WireError("input must be a Uint8Array")
  if (bytes.byteLength < 3) return new WireError(`${bytes.byteLength} bytes is shorter than the header`)
  if (bytes[0] !== WIRE_VERSION) return new WireError(`unsupported version ${bytes[0]}`)
  const kind = KINDS[bytes[1]!]
  if (kind === undefined) return new WireError(`unknown kind ${bytes[1]}`, 1)
  const flags = bytes[2]!
  if ((flags & ~F_KNOWN) !== 0) return new WireError(`unknown flag bits ${flags & ~F_KNOWN}`, 2)
  const missing = required(kind, flags)
  if (missing !== undefined) return new WireError(missing, 2)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 3
  let error: WireError | undefined
  const str = (name: string): string => {
    if (at + 2 > bytes.byteLength) {
      error = new WireError(`${name}: length past the end`, at)
      return ""
    }
    const n = view.getUint16(at)
    if (at + 2 + n > bytes.byteLength) {
      error = new WireError(`${name}: ${n} bytes past the end`, at)
      return ""
    }
    try {
      const s = strict.decode(bytes.subarray(at + 2, at + 2 + n))
      at += 2 + n
      return s
    } catch {
      error = new WireError(`${name}: invalid UTF-8`, at + 2)
      return ""
    }
  }
  const node = str("node")
  const topic = error === undefined && (flags & F_TOPIC) !== 0 ? str("topic") : undefined
  const except = error === undefined && (flags & F_EXCEPT) !== 0 ? str("except") : undefined
  const to = error === undefined && (flags & F_TO) !== 0 ? str("to") : undefined
  let code: number | undefined
  if (error === undefined && (flags & F_CODE) !== 0) {
    if (at + 2 > bytes.byteLength) error = new WireError("code past the end", at)
    else {
      code = view.getUint16(at)
      at += 2
    }
  }
  const reason = error === undefined && (flags & F_REASON) !== 0 ? str("reason") : undefined
  if (error !== undefined) return error
  if (at + 4 > bytes.byteLength) return new WireError("data length past the end", at)
  const n = view.getUint32(at)
  at += 4
  if (at + n !== bytes.byteLength) {
    return new WireError(
      at + n > bytes.byteLength ? `data: ${n} bytes past the end` : `${bytes.byteLength - at - n} bytes after the data`,
      at
    )
  }
  const m: { -readonly [K in keyof BusMessage]: BusMessage[K] } = {
    node,
    kind,
    messageKind: (flags & F_BINARY) !== 0 ? "binary" : "text",
    data: bytes.subarray(at, at + n)
  }
  if (topic !== undefined) m.topic = topic
  if (except !== undefined) m.except = except
  if (to !== undefined) m.to = to
  if (code !== undefined) m.code = code
  if (reason !== undefined) m.reason = reason
  return m
}
