/**
 * The copy of zlib's output out of the engine's shared scratch buffer.
 *
 * `Uint8Array.prototype.slice` gives every copy an `ArrayBuffer` of its own: one native
 * allocation per message and per direction, freed later by V8's sweeper on another thread. Under
 * a deflate echo load that churn fragmented malloc's arenas until RSS drifted 12.9 % in the
 * 12-minute soak while the V8 heap stayed flat (docs/reliability.md). Small outputs are instead
 * carved out of Node's shared 8 KiB buffer pool (`Buffer.allocUnsafe` does that below 4 KiB),
 * one `ArrayBuffer` per pool, as `ws` does for its messages; they are returned as plain
 * `Uint8Array` views so that `slice` on them still copies. Larger outputs keep an `ArrayBuffer`
 * of their own: few per byte, and none pins a pool.
 *
 * @module
 */

/** Below this size a copy comes from Node's buffer pool (Node pools `allocUnsafe` under half its `poolSize`). */
const POOLED_BELOW = Buffer.poolSize >>> 1

/** A copy of `bytes[0, length)`, pooled when small (see the module comment). */
export const copyOut = (bytes: Uint8Array, length: number): Uint8Array => {
  if (length >= POOLED_BELOW) return bytes.slice(0, length)
  const pooled = Buffer.allocUnsafe(length)
  pooled.set(bytes.subarray(0, length))
  return new Uint8Array(pooled.buffer, pooled.byteOffset, length)
}
