/**
 * The client's permessage-deflate compressor and decompressor (RFC 7692 §7.2), on node:zlib's raw
 * DEFLATE. Context takeover (§7.1.1) is kept as a JS copy of the last 2^windowBits bytes of the
 * compressed messages' payloads so far, given to zlib as a preset dictionary: the next message may
 * refer back into it, exactly what a persistent LZ77 window allows, and no stream state is needed.
 * Without takeover every message starts from an empty window.
 */
import * as zlib from "node:zlib"

/** §7.2.1: the empty stored block a sync flush ends with; removed by the sender, appended by the receiver (§7.2.2). */
export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff])

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH }

/** The last `windowSize` bytes of `window` followed by `data`. */
const slide = (window: Buffer, data: Buffer, windowSize: number): Buffer => {
  if (data.length >= windowSize) return Buffer.from(data.subarray(data.length - windowSize))
  const joined = Buffer.concat([window, data])
  return joined.length > windowSize ? Buffer.from(joined.subarray(joined.length - windowSize)) : joined
}

export interface DeflaterOptions {
  readonly windowBits: number
  readonly noContextTakeover: boolean
  /** zlib level; default 6 (zlib's default, as Autobahn's client). */
  readonly level?: number
}

export class ClientDeflater {
  private window: Buffer = Buffer.alloc(0)
  constructor(readonly options: DeflaterOptions) {}

  /**
   * One message's compressed payload (§7.2.1): DEFLATE blocks ending in a sync flush, the 4-byte
   * tail removed. zlib refuses an 8-bit raw window and uses 9 (docs/deflate-engine.md): its 9-bit
   * window never refers more than 250 bytes back, within what an 8-bit peer holds.
   */
  compress(data: Buffer): Buffer {
    const o = this.options
    const takeover = !o.noContextTakeover && this.window.length > 0
    const out = zlib.deflateRawSync(data, {
      ...SYNC,
      windowBits: Math.max(9, o.windowBits),
      level: o.level ?? 6,
      ...(takeover ? { dictionary: this.window } : {})
    })
    if (!o.noContextTakeover) this.window = slide(this.window, data, 1 << o.windowBits)
    if (out.length < 4 || !out.subarray(out.length - 4).equals(TAIL)) throw new Error("zlib sync flush did not end with 00 00 ff ff")
    return out.subarray(0, out.length - 4)
  }
}

export interface InflaterOptions {
  /** The window the server agreed to compress with (§7.1.2.1). */
  readonly windowBits: number
  readonly noContextTakeover: boolean
  /** Largest inflated message accepted. */
  readonly maxOutput?: number
}

export class ClientInflater {
  private window: Buffer = Buffer.alloc(0)
  constructor(readonly options: InflaterOptions) {}

  /**
   * One compressed message's payload (all its frames joined), tail appended (§7.2.2). Throws when
   * it is not valid DEFLATE for the agreed window. zlib checks a back-reference against its window
   * only when it points before the current output buffer, so under 15 bits we inflate into 64-byte
   * pieces: a distance past 2^windowBits + 64 then fails ("invalid distance too far back").
   */
  inflate(payload: Buffer): Buffer {
    const o = this.options
    const out = zlib.inflateRawSync(Buffer.concat([payload, TAIL]), {
      ...SYNC,
      windowBits: o.windowBits,
      ...(o.windowBits < 15 ? { chunkSize: 64 } : {}),
      ...(o.maxOutput !== undefined ? { maxOutputLength: Math.max(1, o.maxOutput) } : {}),
      ...(!o.noContextTakeover && this.window.length > 0 ? { dictionary: this.window } : {})
    })
    if (!o.noContextTakeover) this.window = slide(this.window, out, 1 << o.windowBits)
    return out
  }
}
