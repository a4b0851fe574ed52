/**
 * Our own draft-76 test client (draft-hixie-thewebsocketprotocol-76 §4.1 opening handshake, §4.2
 * data framing, §6 closing). No maintained library speaks this draft as a client, so this one is
 * written straight from the draft and shares NO code with `src/hixie76` (not even its framing):
 * it is first proven against an independent server (websocket-driver's draft-76 server, see
 * websocket-driver.test.ts), then used to test our server codec.
 *
 * It follows the client algorithm literally: keys are built as /number/ × /spaces/ with random
 * noise characters and spaces inserted, the challenge answer is computed from /number_1/ and
 * /number_2/ (not from the key strings), and the 101 response is checked field by field.
 */
import { createHash, randomBytes, randomInt } from "node:crypto"
import * as net from "node:net"

/** A random integer in [0, maxExclusive). */
export type Rng = (maxExclusive: number) => number

export const cryptoRng: Rng = (max) => (max <= 1 ? 0 : randomInt(max))

/** A seeded generator (mulberry32), so a failing key can be replayed. */
export const seeded = (seed: number): Rng => {
  let a = seed >>> 0
  return (max) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return Math.floor(r * max)
  }
}

/** A key made by the §4.1 algorithm, with the numbers it hides. */
export interface ClientKey {
  readonly key: string
  readonly spaces: number
  /** /number_n/: what the server must recover as key-number / spaces. */
  readonly number: number
}

/** U+0021–U+002F and U+003A–U+007E: the noise characters of §4.1 (no digits, no space). */
const NOISE = (() => {
  let s = ""
  for (let c = 0x21; c <= 0x2f; c++) s += String.fromCharCode(c)
  for (let c = 0x3a; c <= 0x7e; c++) s += String.fromCharCode(c)
  return s
})()

const insertAt = (s: string, i: number, c: string): string => s.slice(0, i) + c + s.slice(i)

/**
 * §4.1: /spaces/ from 1 to 12, /max/ = ⌊4,294,967,295 / spaces⌋, /number/ from 0 to /max/,
 * /product/ = number × spaces written in base ten, 1–12 noise characters inserted anywhere, then
 * the spaces inserted anywhere but at the start or the end. `spaces`/`number` may be forced.
 */
export const makeKey = (rng: Rng = cryptoRng, forced: { readonly spaces?: number; readonly number?: number } = {}): ClientKey => {
  const spaces = forced.spaces ?? 1 + rng(12)
  const max = Math.floor(4294967295 / spaces)
  const number = forced.number ?? rng(max + 1)
  let key = String(number * spaces)
  const noise = 1 + rng(12)
  for (let i = 0; i < noise; i++) key = insertAt(key, rng(key.length + 1), NOISE[rng(NOISE.length)]!)
  // key.length ≥ 2 here, so there is always an inner position.
  for (let i = 0; i < spaces; i++) key = insertAt(key, 1 + rng(key.length - 1), " ")
  return { key, spaces, number }
}

export interface HandshakeOptions {
  readonly host: string
  /** The resource name, "/path?query" (§3.1). Default "/". */
  readonly resource?: string
  readonly origin?: string
  readonly protocol?: string
  readonly secure?: boolean
  readonly rng?: Rng
  readonly key1?: ClientKey
  readonly key2?: ClientKey
  readonly key3?: Uint8Array
}

export interface ClientHandshake {
  /** The request head and key3, as one buffer (what goes on the wire). */
  readonly request: Uint8Array
  readonly head: string
  readonly key1: ClientKey
  readonly key2: ClientKey
  readonly key3: Uint8Array
  /** The 16 bytes the server must answer (§4.1: MD5 of number_1, number_2, key3). */
  readonly expected: Uint8Array
  /** The WebSocket URL the server's Sec-WebSocket-Location must equal. */
  readonly url: string
  readonly origin: string
  readonly protocol: string | undefined
}

const shuffle = <T>(items: T[], rng: Rng): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng(i + 1)
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
  return items
}

/** The answer a conforming server must give, computed from the client's own numbers. */
export const expectedAnswer = (number1: number, number2: number, key3: Uint8Array): Uint8Array => {
  const challenge = Buffer.alloc(16)
  challenge.writeUInt32BE(number1, 0)
  challenge.writeUInt32BE(number2, 4)
  Buffer.from(key3).copy(challenge, 8)
  return new Uint8Array(createHash("md5").update(challenge).digest())
}

/** §4.1: request line, Upgrade and Connection first, the other fields in random order, key3. */
export const buildHandshake = (options: HandshakeOptions): ClientHandshake => {
  const rng = options.rng ?? cryptoRng
  const resource = options.resource ?? "/"
  const origin = options.origin ?? "http://example.com"
  const key1 = options.key1 ?? makeKey(rng)
  const key2 = options.key2 ?? makeKey(rng)
  const key3 = options.key3 ?? new Uint8Array(randomBytes(8))
  const fields = [`Host: ${options.host}`, `Origin: ${origin}`, `Sec-WebSocket-Key1: ${key1.key}`, `Sec-WebSocket-Key2: ${key2.key}`]
  if (options.protocol !== undefined) fields.push(`Sec-WebSocket-Protocol: ${options.protocol}`)
  const head =
    `GET ${resource} HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n` +
    shuffle(fields, rng)
      .map((f) => f + "\r\n")
      .join("") +
    "\r\n"
  const request = new Uint8Array(Buffer.concat([Buffer.from(head, "latin1"), key3]))
  return {
    request,
    head,
    key1,
    key2,
    key3,
    expected: expectedAnswer(key1.number, key2.number, key3),
    url: (options.secure === true ? "wss://" : "ws://") + options.host + resource,
    origin,
    protocol: options.protocol
  }
}

export type ResponseResult =
  | { readonly ok: true; readonly status: string; readonly headers: Record<string, string>; readonly rest: Uint8Array }
  | { readonly ok: false; readonly reason: string }

/**
 * Reads and checks the server's handshake (§4.1, the client's last steps): status 101, `Upgrade`
 * exactly "WebSocket", `Connection` "upgrade" in any case, `Sec-WebSocket-Origin` and
 * `Sec-WebSocket-Location` exactly ours, `Sec-WebSocket-Protocol` equal to the one asked for
 * (absent when none was), then 16 bytes equal to the expected answer.
 */
export class ResponseReader {
  private buffered = Buffer.alloc(0)
  constructor(private readonly handshake: ClientHandshake) {}

  push(chunk: Uint8Array): ResponseResult | undefined {
    this.buffered = Buffer.concat([this.buffered, chunk])
    const end = this.buffered.indexOf("\r\n\r\n")
    if (end === -1 || this.buffered.length < end + 4 + 16) return undefined
    const lines = this.buffered.toString("latin1", 0, end).split("\r\n")
    const status = lines.shift()!
    if (!/^HTTP\/1\.1 101 /.test(status)) return { ok: false, reason: `status line: ${status}` }
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(":")
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const h = this.handshake
    if (headers.upgrade !== "WebSocket") return { ok: false, reason: `Upgrade: ${headers.upgrade}` }
    if (headers.connection?.toLowerCase() !== "upgrade") return { ok: false, reason: `Connection: ${headers.connection}` }
    if (headers["sec-websocket-origin"] !== h.origin) return { ok: false, reason: "Sec-WebSocket-Origin mismatch" }
    if (headers["sec-websocket-location"] !== h.url) {
      return { ok: false, reason: `Sec-WebSocket-Location ${headers["sec-websocket-location"]} ≠ ${h.url}` }
    }
    if (headers["sec-websocket-protocol"] !== h.protocol) return { ok: false, reason: "Sec-WebSocket-Protocol mismatch" }
    const reply = this.buffered.subarray(end + 4, end + 20)
    if (!reply.equals(Buffer.from(h.expected))) return { ok: false, reason: "wrong challenge answer" }
    return { ok: true, status, headers, rest: new Uint8Array(this.buffered.subarray(end + 20)) }
  }
}

/** What the client decodes from the server (§4.2). */
export type ClientEvent =
  | { readonly type: "text"; readonly text: string; readonly bytes: Uint8Array }
  | { readonly type: "close" }
  | { readonly type: "error"; readonly reason: string }

/**
 * §4.2 as a byte-at-a-time state machine (slow and obvious on purpose): 0x00 … 0xFF is text,
 * 0xFF 0x00 closes, other high-bit types carry a 7-bit-group length and are skipped. Text is
 * decoded with U+FFFD replacement (§4.3).
 */
export class ClientFrameReader {
  private state: "type" | "text" | "length" | "skip" | "closed" = "type"
  private type = 0
  private length = 0
  private bytes: number[] = []
  constructor(private readonly emit: (event: ClientEvent) => void) {}

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      switch (this.state) {
        case "closed":
          return
        case "type":
          this.type = b
          if (b & 0x80) {
            this.length = 0
            this.state = "length"
          } else {
            this.bytes = []
            this.state = "text"
          }
          break
        case "text":
          if (b !== 0xff) {
            this.bytes.push(b)
            break
          }
          this.state = "type"
          if (this.type === 0x00) {
            const bytes = Uint8Array.from(this.bytes)
            this.emit({ type: "text", text: new TextDecoder().decode(bytes), bytes })
          } else this.emit({ type: "error", reason: `frame type ${this.type}` })
          break
        case "length":
          this.length = this.length * 128 + (b & 0x7f)
          if (b & 0x80) break
          if (this.type === 0xff && this.length === 0) {
            this.state = "closed"
            this.emit({ type: "close" })
            return
          }
          this.emit({ type: "error", reason: `length-prefixed frame type ${this.type}` })
          this.state = this.length === 0 ? "type" : "skip"
          break
        case "skip":
          if (--this.length === 0) this.state = "type"
          break
      }
    }
  }
}

/** A text frame written out by hand: 0x00, UTF-8, 0xFF (§4.2, the client's sending side). */
export const clientText = (text: string): Uint8Array =>
  new Uint8Array(Buffer.concat([Buffer.of(0x00), Buffer.from(text, "utf8"), Buffer.of(0xff)]))

export const CLIENT_CLOSE: Uint8Array = Uint8Array.of(0xff, 0x00)

/** What a connection saw; `end` is the TCP close (with whether we had a closing handshake). */
export type ConnectionEvent = ClientEvent | { readonly type: "end" }

/**
 * A client connection over a real TCP socket. `events` collects everything in order; `next()`
 * waits for the next one. On the server's 0xFF 0x00 it answers with its own (unless it started
 * the closing handshake) and ends its side of the TCP connection (§4.2, §6).
 */
export class Hixie76Client {
  readonly events: ConnectionEvent[] = []
  private waiters: Array<(e: ConnectionEvent) => void> = []
  private read = 0
  private sentClose = false
  private readonly frames = new ClientFrameReader((e) => this.onEvent(e))

  private constructor(
    readonly socket: net.Socket,
    readonly handshake: ClientHandshake,
    readonly response: ResponseResult & { ok: true }
  ) {
    socket.on("close", () => this.record({ type: "end" }))
  }

  /** Connects, sends the handshake (key3 and `firstFrames` in the same write), checks the answer. */
  static connect(
    port: number,
    options: Omit<HandshakeOptions, "host"> & { readonly host?: string; readonly firstFrames?: Uint8Array } = {}
  ): Promise<Hixie76Client> {
    const handshake = buildHandshake({ host: `127.0.0.1:${port}`, ...options })
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1")
      const reader = new ResponseReader(handshake)
      let client: Hixie76Client | undefined
      socket.on("error", (error) => (client === undefined ? reject(error) : undefined))
      socket.on("close", () => (client === undefined ? reject(new Error("closed during the handshake")) : undefined))
      socket.on("data", (chunk: Buffer) => {
        if (client !== undefined) return client.frames.push(chunk)
        const r = reader.push(chunk)
        if (r === undefined) return
        if (!r.ok) {
          socket.destroy()
          return reject(new Error(r.reason))
        }
        client = new Hixie76Client(socket, handshake, r)
        resolve(client)
        if (r.rest.length > 0) client.frames.push(r.rest)
      })
      socket.write(options.firstFrames ? Buffer.concat([handshake.request, options.firstFrames]) : handshake.request)
    })
  }

  send(text: string): void {
    this.socket.write(clientText(text))
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  /**
   * Start the closing handshake (§6): send 0xFF 0x00 and wait for the server's. `split` sends the
   * two bytes in separate writes, a few milliseconds apart (separate TCP segments, usually).
   */
  close(split = false): void {
    this.sentClose = true
    if (!split) return void this.socket.write(CLIENT_CLOSE)
    this.socket.write(CLIENT_CLOSE.subarray(0, 1))
    setTimeout(() => this.socket.write(CLIENT_CLOSE.subarray(1)), 10)
  }

  /** The next event not yet returned by `next`. */
  next(): Promise<ConnectionEvent> {
    if (this.read < this.events.length) return Promise.resolve(this.events[this.read++]!)
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Events until (and including) one of `type`. */
  async until(type: ConnectionEvent["type"]): Promise<ConnectionEvent[]> {
    const out: ConnectionEvent[] = []
    for (;;) {
      const e = await this.next()
      out.push(e)
      if (e.type === type) return out
    }
  }

  private onEvent(e: ClientEvent): void {
    this.record(e)
    if (e.type !== "close") return
    if (!this.sentClose) {
      this.sentClose = true
      this.socket.write(CLIENT_CLOSE)
    }
    this.socket.end()
  }

  private record(e: ConnectionEvent): void {
    if (this.events.some((x) => x.type === "end")) return
    const waiter = this.waiters.shift()
    this.events.push(e)
    if (waiter !== undefined) {
      this.read++
      waiter(e)
    }
  }
}
