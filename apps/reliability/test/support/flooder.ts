/**
 * The flooder, in its own process so that its CPU work never delays the latency probes of the
 * test process: `node --import tsx flooder.ts <port> <totalBytes> <maxMs> <messageSize>`.
 *
 * Upgrades at `/flood`, then writes binary messages (sequence number as uint32 BE at offset 0)
 * as fast as TCP accepts them — it waits only for `drain` — until `totalBytes` or `maxMs`. Frames
 * use the all-zero mask key, so one prebuilt frame is patched per message and nothing is masked.
 * Then it sends Close 1000 and waits for the server's Close. Prints progress lines
 * `progress <messages> <bytes>` every 500 ms and, at the end,
 * `done <messages> <bytes> <ms> <closeCode>` (closeCode 0: no Close arrived).
 */
import * as Net from "node:net"
import { closeCodeOf, closePayload, frame, FrameReader, Op, upgradeRequest, type ReadFrame } from "@wspipe/test-frames"

const [port, totalBytes, maxMs, size] = process.argv.slice(2).map(Number) as [number, number, number, number]
const socket = Net.connect({ port, host: "127.0.0.1" })
socket.setNoDelay(true)
const reader = new FrameReader()
const received: Array<ReadFrame> = []
const frames = {
  push: (chunk: Buffer) => void received.push(...reader.push(chunk)),
  closeCode: () => closeCodeOf(received)
}
let head = ""
let sent = 0
let bytes = 0
let failed = ""
const started = Date.now()

// The all-zero key makes masking a no-op (valid on the wire, §5.3): one buffer is patched per message.
const template = frame(Op.Binary, new Uint8Array(size), { mask: new Uint8Array(4) })
const payloadAt = template.length - size
const BATCH = 16 // messages per write

socket.on("error", (e) => {
  failed = e.message
})

const finish = (closeCode: number) => {
  process.stdout.write(`done ${sent} ${bytes} ${Date.now() - started} ${closeCode} ${failed}\n`)
  process.exit(0)
}

const flood = () => {
  const progress = setInterval(() => process.stdout.write(`progress ${sent} ${bytes}\n`), 500)
  const pump = () => {
    while (bytes < totalBytes && Date.now() - started < maxMs && !socket.destroyed) {
      const batch = Buffer.allocUnsafe(template.length * BATCH)
      for (let i = 0; i < BATCH; i++) {
        template.writeUInt32BE(sent + i, payloadAt)
        template.copy(batch, i * template.length)
      }
      sent += BATCH
      bytes += batch.length
      if (!socket.write(batch)) return void socket.once("drain", pump)
    }
    clearInterval(progress)
    if (socket.destroyed) return finish(frames.closeCode() ?? 0)
    socket.write(frame(Op.Close, closePayload(1000)))
    const deadline = setTimeout(() => finish(frames.closeCode() ?? 0), 30_000)
    const check = () => {
      if (frames.closeCode() === undefined) return
      clearTimeout(deadline)
      finish(frames.closeCode()!)
    }
    socket.on("data", check)
    socket.on("close", () => finish(frames.closeCode() ?? 0))
    check()
  }
  pump()
}

socket.on("data", (chunk: Buffer) => {
  if (head !== "") return frames.push(chunk)
  head = chunk.toString("latin1")
  if (!head.startsWith("HTTP/1.1 101")) {
    process.stdout.write(`refused ${head.split("\r\n")[0]}\n`)
    process.exit(1)
  }
  const end = chunk.indexOf("\r\n\r\n")
  if (end + 4 < chunk.length) frames.push(chunk.subarray(end + 4))
  flood()
})
socket.once("connect", () => socket.write(upgradeRequest({ path: "/flood" })))
