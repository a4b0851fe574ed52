/**
 * A raw WebSocket test client over real TCP (node:net). It can send anything (valid or not, in
 * chops of any size with delays) and records everything the server sent, with timestamps: frames
 * (parsed by @wspipe/test-frames' FrameReader, independent of the codec), the close frame, and
 * when the server closed TCP.
 */
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import {
  checkUpgradeResponse,
  closePayload,
  encodeFrame,
  FrameReader,
  MessageAssembler,
  newKey,
  parseResponseHead,
  upgradeRequest,
  type FrameSpec,
  type ReadFrame,
  type RequestOptions,
  type ResponseHead,
  type ServerEvent
} from "@wspipe/test-frames"

/**
 * An extension's view of the server's frames (e.g. permessage-deflate, src/pmd/session.ts): told
 * the 101 response before any frame is read, it says which RSV bits the server may now set
 * (RFC 6455 §5.2), then turns each frame read into the frames the message assembler sees.
 */
export interface FrameFilter {
  upgraded(head: ResponseHead): number
  frame(f: ReadFrame): ReadFrame[]
  readonly violations: readonly string[]
}

export interface ServerAddress {
  readonly host: string
  readonly port: number
  readonly path: string
}

export const parseUrl = (url: string): ServerAddress => {
  const u = new URL(url)
  if (u.protocol !== "ws:") throw new Error(`only ws:// URLs are supported, got ${url}`)
  return { host: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)))

export type Recorded = (ServerEvent & { readonly at: number }) | { readonly type: "marker"; readonly label: string; readonly at: number }

export class RawClient {
  readonly events: Recorded[] = []
  readonly errors: string[] = []
  reader = new FrameReader()
  /** Set by connect({ filter }) before the handshake. */
  filter: FrameFilter | undefined
  readonly assembler = new MessageAssembler()
  response: ResponseHead | undefined
  /** Bytes received while in HTTP mode (the response head and, for non-101, the body). */
  httpBytes: Buffer = Buffer.alloc(0)
  closeFrame: { code: number | undefined; reason: string; at: number } | undefined
  closeSentAt: number | undefined
  serverEndAt: number | undefined // server sent FIN
  tcpClosedAt: number | undefined // socket fully closed
  private destroyedByUs = false
  private upgraded = false
  private readonly waiters = new Set<() => void>()
  private readonly t0 = performance.now()

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on("data", (d: Buffer) => this.onData(d))
    socket.on("end", () => {
      this.serverEndAt = this.now()
      this.notify()
    })
    socket.on("error", (e: NodeJS.ErrnoException) => this.errors.push(e.code ?? e.message))
    socket.on("close", () => {
      this.tcpClosedAt = this.now()
      this.notify()
    })
  }

  now(): number {
    return performance.now() - this.t0
  }

  /** Opens a TCP connection only (HTTP mode; call handshake() or write raw bytes). */
  static open(addr: ServerAddress, timeoutMs = 3000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: addr.host, port: addr.port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`TCP connect to ${addr.host}:${addr.port} timed out`))
      }, timeoutMs)
      socket.once("connect", () => {
        clearTimeout(timer)
        socket.removeAllListeners("error")
        resolve(new RawClient(socket))
      })
      socket.once("error", (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
  }

  /** Opens TCP and performs a valid opening handshake (§4.1); throws if it does not succeed. */
  static async connect(
    addr: ServerAddress,
    opts: { timeoutMs?: number; request?: Partial<RequestOptions>; pipelined?: Buffer; filter?: FrameFilter } = {}
  ): Promise<RawClient> {
    const timeoutMs = opts.timeoutMs ?? 3000
    const c = await RawClient.open(addr, timeoutMs)
    c.filter = opts.filter
    const key = opts.request?.key ?? newKey()
    const req = upgradeRequest({ host: `${addr.host}:${addr.port}`, path: addr.path, ...opts.request, key })
    c.write(opts.pipelined ? Buffer.concat([Buffer.from(req, "latin1"), opts.pipelined]) : Buffer.from(req, "latin1"))
    const head = await c.waitResponse(timeoutMs)
    const problems = head ? checkUpgradeResponse(head, key) : ["no handshake response within timeout"]
    if (problems.length > 0) {
      c.destroy()
      throw new Error(`handshake failed: ${problems.join("; ")}`)
    }
    return c
  }

  async waitResponse(timeoutMs: number): Promise<ResponseHead | undefined> {
    await this.waitUntil(() => this.response !== undefined || this.closed, timeoutMs)
    return this.response
  }

  private onData(d: Buffer): void {
    if (!this.upgraded) {
      this.httpBytes = Buffer.concat([this.httpBytes, d])
      if (this.response === undefined) {
        const head = parseResponseHead(this.httpBytes)
        if (head !== undefined) {
          this.response = head
          if (head.status === 101) {
            this.upgraded = true
            if (this.filter) this.reader = new FrameReader({ allowedRsv: this.filter.upgraded(head) })
            const rest = this.httpBytes.subarray(head.headLength)
            this.httpBytes = this.httpBytes.subarray(0, head.headLength)
            if (rest.length > 0) this.onFrames(rest)
          }
        }
      }
    } else {
      this.onFrames(d)
    }
    this.notify()
  }

  private onFrames(d: Buffer): void {
    for (const read of this.reader.push(d)) {
      for (const f of this.filter ? this.filter.frame(read) : [read]) {
        const ev = this.assembler.push(f)
        if (ev === undefined) continue
        const at = this.now()
        this.events.push({ ...ev, at })
        if (ev.type === "close" && this.closeFrame === undefined) this.closeFrame = { code: ev.code, reason: ev.reason, at }
      }
    }
  }

  private notify(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Resolves true as soon as pred() holds, false after timeoutMs (always bounded). */
  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(v)
      }
      const check = () => {
        if (pred()) done(true)
      }
      const timer = setTimeout(() => done(pred()), timeoutMs)
      this.waiters.add(check)
    })
  }

  /** The server closed TCP (FIN or reset), not us. */
  get serverClosedTcp(): boolean {
    return this.serverEndAt !== undefined || (this.tcpClosedAt !== undefined && !this.destroyedByUs)
  }

  get closed(): boolean {
    return this.tcpClosedAt !== undefined || this.serverEndAt !== undefined
  }

  /** Server events (messages, pings, pongs, markers) before its close frame. */
  appEvents(): Recorded[] {
    return this.events.filter((e) => e.type !== "close")
  }

  violations(): string[] {
    return [...this.reader.violations, ...(this.filter?.violations ?? []), ...this.assembler.violations]
  }

  mark(label: string): void {
    this.events.push({ type: "marker", label, at: this.now() })
  }

  /** Writes bytes unless the connection is already gone (writes after close are dropped). */
  write(b: Uint8Array): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false
    this.socket.write(b)
    return true
  }

  /** Writes `b` in pieces of `chop` bytes, waiting `delayMs` (0 = next tick) between pieces. */
  async writeChopped(b: Uint8Array, chop: number, delayMs = 0): Promise<void> {
    for (let i = 0; i < b.length; i += chop) {
      // Once the server has closed (or sent Close), the rest is not sent: that is what lets
      // fail-fast cases see whether the server reacted before the rest arrived.
      if (this.closeFrame !== undefined || !this.write(b.subarray(i, i + chop))) return
      if (i + chop < b.length) await sleep(delayMs)
    }
  }

  sendFrame(spec: FrameSpec): boolean {
    if (spec.opcode === 8 && this.closeSentAt === undefined) this.closeSentAt = this.now()
    return this.write(encodeFrame(spec))
  }

  sendFrameChopped(spec: FrameSpec, chop: number, delayMs = 0): Promise<void> {
    if (spec.opcode === 8 && this.closeSentAt === undefined) this.closeSentAt = this.now()
    return this.writeChopped(encodeFrame(spec), chop, delayMs)
  }

  sendClose(code?: number, reason: Uint8Array | string = ""): boolean {
    return this.sendFrame({ opcode: 8, payload: closePayload(code, reason) })
  }

  /**
   * Sends a text message, expects it echoed, then does a clean close handshake (§7.1.2) and
   * expects the server to close TCP. Returns a problem description, or undefined if all went well.
   */
  async echoAndClose(payload: string, timeoutMs: number): Promise<string | undefined> {
    const before = this.events.length
    this.sendFrame({ opcode: 1, payload })
    await this.waitUntil(() => this.events.length > before || this.closed, timeoutMs)
    const m = this.events[before]
    if (m?.type !== "message" || m.kind !== "text" || m.data.toString() !== payload) {
      return m
        ? `expected echo of "${payload}", got ${m.type}`
        : `no echo within ${timeoutMs} ms${this.closed ? " (connection closed)" : ""}`
    }
    this.sendClose(1000)
    if (!(await this.waitUntil(() => this.closeFrame !== undefined || this.closed, timeoutMs))) return "no Close reply"
    if (this.closeFrame?.code !== undefined && this.closeFrame.code !== 1000) return `Close reply with code ${this.closeFrame.code}`
    if (!(await this.waitTcpClose(timeoutMs))) return "server did not close TCP after the close handshake"
    return undefined
  }

  waitTcpClose(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(() => this.closed, timeoutMs)
  }

  destroy(): void {
    if (this.tcpClosedAt === undefined) this.destroyedByUs = true
    this.socket.destroy()
  }

  /** Abortive close: the kernel sends RST instead of FIN. */
  reset(): void {
    if (this.tcpClosedAt === undefined) this.destroyedByUs = true
    this.socket.resetAndDestroy()
  }
}
