// The engines compared in docs/deflate-engine.md. Each factory returns { deflate(msg) | inflate(payload) }
// producing / consuming permessage-deflate payloads (sync flush, trailing 00 00 ff ff stripped).
import zlib from "node:zlib"
import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const tryRequire = (name) => { try { return require(name) } catch { return undefined } }
// fflate and pako are not dependencies of the project: install them beside this script to compare.
export const fflate = tryRequire("fflate")
export const pako = tryRequire("pako")

const { Z_SYNC_FLUSH } = zlib.constants
export const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff])
const strip = (b) => b.subarray(0, b.length - 4)
const withTrailer = (p) => Buffer.concat([p, TRAILER])

/** A zlib handle driven synchronously through Node's internal `_handle.writeSync` (what zlib.*Sync use). */
export const handle = (kind, opts = {}) => {
  const stream = kind === "deflate" ? new zlib.DeflateRaw(opts) : new zlib.InflateRaw(opts)
  const h = stream._handle
  const state = stream._writeState
  let error
  h.onerror = (message) => { error = message }
  let scratch = Buffer.allocUnsafe(64 * 1024)
  const write = (input, parts, total) => {
    let inOff = 0
    let inLen = input.length
    while (true) {
      h.writeSync(Z_SYNC_FLUSH, input, inOff, inLen, scratch, 0, scratch.length)
      if (error !== undefined) { const e = error; error = undefined; throw new Error(e) }
      const have = scratch.length - state[0]
      if (have > 0) { parts.push(Buffer.from(scratch.subarray(0, have))); total += have }
      inOff += inLen - state[1]
      inLen = state[1]
      if (state[0] !== 0) return total
    }
  }
  return {
    run(input, trailer) {
      const parts = []
      let total = write(input, parts, 0)
      if (trailer) total = write(TRAILER, parts, total)
      return parts.length === 1 ? parts[0] : Buffer.concat(parts, total)
    },
    reset: () => h.reset(),
    close: () => h.close()
  }
}

export const deflaters = {
  "zlib deflateRawSync, fresh context": (o) => (m) => strip(zlib.deflateRawSync(m, { ...o, finishFlush: Z_SYNC_FLUSH })),
  "zlib handle, shared, reset per msg": (o) => { const h = handle("deflate", o); return (m) => { const r = strip(h.run(m)); h.reset(); return r } },
  "zlib handle, takeover": (o) => { const h = handle("deflate", o); return (m) => strip(h.run(m)) },
  ...(fflate && {
    "fflate deflateSync, fresh": (o) => (m) => { const r = fflate.deflateSync(m, { level: o.level }); return r }, // ends with BFINAL, not a sync flush
    // Not measured: fflate 0.8.3's streaming Deflate.flush(true) produced an invalid stream for
    // 1 KiB JSON messages (stored-block lengths wrong after a few messages), so no takeover.
  }),
  ...(pako && {
    "pako Deflate, reset per msg": (o) => { const d = new pako.Deflate({ raw: true, level: o.level, windowBits: o.windowBits, memLevel: o.memLevel }); return (m) => { d.chunks = []; d.push(m, pako.Z_SYNC_FLUSH); const r = strip(Buffer.concat(d.chunks)); pako.zlibDeflateReset(d.strm); return r } },
    "pako Deflate, takeover": (o) => { const d = new pako.Deflate({ raw: true, level: o.level, windowBits: o.windowBits, memLevel: o.memLevel }); return (m) => { d.chunks = []; d.push(m, pako.Z_SYNC_FLUSH); return strip(Buffer.concat(d.chunks)) } }
  })
}

export const inflaters = {
  "zlib inflateRawSync, fresh context": () => (p) => zlib.inflateRawSync(withTrailer(p), { finishFlush: Z_SYNC_FLUSH }),
  "zlib inflateRawSync + maxOutputLength": () => (p) => zlib.inflateRawSync(withTrailer(p), { finishFlush: Z_SYNC_FLUSH, maxOutputLength: 64 << 20 }),
  "zlib handle, shared, reset per msg": () => { const h = handle("inflate"); return (p) => { const r = h.run(p, true); h.reset(); return r } },
  // fflate.inflateSync wants a final block: a streaming Inflate per message instead.
  ...(fflate && { "fflate Inflate stream, fresh": () => (p) => { const out = []; const i = new fflate.Inflate((c) => out.push(c)); i.push(p); i.push(TRAILER); return Buffer.concat(out) } }),
  ...(pako && { "pako Inflate, fresh": () => (p) => { const i = new pako.Inflate({ raw: true }); i.push(withTrailer(p), pako.Z_SYNC_FLUSH); return Buffer.concat(i.chunks) } })
}
/** Takeover inflaters: state carried from one message to the next. */
export const takeoverInflaters = {
  "zlib handle, takeover": () => { const h = handle("inflate"); return (p) => h.run(p, true) },
  ...(pako && { "pako Inflate, takeover": () => { const i = new pako.Inflate({ raw: true }); return (p) => { i.chunks = []; i.push(p, false); i.push(TRAILER, pako.Z_SYNC_FLUSH); return Buffer.concat(i.chunks) } } })
}
