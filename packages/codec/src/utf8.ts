/**
 * UTF-8 validation for text messages (RFC 6455 §5.6, §8.1: a text payload that is not valid UTF-8
 * fails the connection with 1007). The validator is streaming and fail-fast: it rejects at the
 * FIRST byte that cannot be part of a well-formed sequence (RFC 3629 §4 grammar), so an endpoint
 * that sends half a frame and waits (Autobahn 6.4.x) still gets its 1007 promptly.
 *
 * The state kept between pushes is only "how many continuation bytes are still expected" plus the
 * allowed range of the NEXT continuation byte. Narrowing that range on the second byte rejects
 * overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF
 * (F4 90..BF) exactly at the offending byte, like the table in RFC 3629 §4.
 *
 * Imported as a namespace: `new Utf8.Validator()`, `Utf8.isValid(bytes)`.
 *
 * @module
 */
import { isUtf8 } from "node:buffer"

/**
 * Ranges handed to Node's native one-shot checker (`buffer.isUtf8`, simdutf) when at least this
 * many bytes arrive at once and no sequence is pending. Measured on Node 20: native call +
 * subarray ≈ 200–300 ns flat, the JS loop ≈ 2 ns/byte on ASCII (slower on mixed text), so the
 * crossover is ~100–150 bytes; 256 keeps short frames on the allocation-free JS path.
 */
const NATIVE_MIN = 256

/**
 * Streaming, fail-fast UTF-8 validator: feed a message's bytes in any number of pieces with
 * {@link Validator.push}, then call {@link Validator.finish} at the end of the message.
 *
 * @example
 * ```ts
 * const v = new Utf8.Validator()
 * v.push(Uint8Array.of(0xe2, 0x82)) // true: a valid prefix of "€"
 * v.push(Uint8Array.of(0xac))       // true
 * v.finish()                        // true, and ready for the next message
 * ```
 */
export class Validator {
  /** Continuation bytes still expected for the sequence in progress (0–3). */
  private need = 0

  /** True between characters (no multi-byte sequence is waiting for its continuation bytes). */
  get atBoundary(): boolean {
    return this.need === 0 && !this.bad
  }
  /** Allowed range of the next continuation byte (narrower than 80..BF right after some leads). */
  private lo = 0x80
  private hi = 0xbf
  /** Sticky: once a byte was rejected, the message stays invalid until `finish`/`reset`. */
  private bad = false

  /**
   * Validate `bytes[start, end)` as the continuation of the current message. Returns false as soon
   * as a byte makes the message invalid (and keeps returning false until `finish`/`reset`); a
   * sequence cut at `end` is remembered and completed by the next push.
   *
   * @example
   * ```ts
   * new Utf8.Validator().push(Uint8Array.of(0xed, 0xa0, 0x80)) // false: U+D800 is a surrogate
   * ```
   */
  push(bytes: Uint8Array, start = 0, end: number = bytes.length): boolean {
    if (this.bad) return false
    let i = start
    let need = this.need
    let lo = this.lo
    let hi = this.hi
    if (need === 0 && end - i >= NATIVE_MIN) {
      // Bulk path: a whole range validated natively, minus a possibly incomplete last sequence
      // (at most 3 bytes) which the JS loop below keeps as pending state.
      let cut = end
      for (let k = end - 1; k >= end - 3; k--) {
        const b = bytes[k]!
        if (b < 0x80) break
        if (b >= 0xc0) {
          if (k + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > end) cut = k
          break
        }
      }
      if (!isUtf8(bytes.subarray(i, cut))) return this.reject()
      i = cut
    }
    while (i < end) {
      const b = bytes[i]!
      if (need !== 0) {
        // Inside a sequence: the byte must be in [lo, hi] (RFC 3629 §4 table).
        if (b < lo || b > hi) return this.reject()
        lo = 0x80
        hi = 0xbf
        need--
        i++
        continue
      }
      if (b < 0x80) {
        // ASCII fast path: 4 bytes per check (OR of 4 loads, no typed-array view to allocate),
        // then byte by byte. Measured ~1.5x faster than a plain byte loop on 32–128 byte text;
        // an aligned Int32Array view was slower below ~200 bytes (view allocation).
        i++
        for (const e4 = end - 3; i < e4; i += 4) {
          if (((bytes[i]! | bytes[i + 1]! | bytes[i + 2]! | bytes[i + 3]!) & 0x80) !== 0) break
        }
        while (i < end && bytes[i]! < 0x80) i++
        continue
      }
      if (b < 0xc2) return this.reject() // 80..BF unexpected continuation; C0, C1 always overlong
      if (b < 0xe0) need = 1
      else if (b < 0xf0) {
        need = 2
        if (b === 0xe0)
          lo = 0xa0 // E0 80..9F would be overlong (< U+0800)
        else if (b === 0xed) hi = 0x9f // ED A0..BF would be a surrogate U+D800..DFFF
      } else if (b < 0xf5) {
        need = 3
        if (b === 0xf0)
          lo = 0x90 // F0 80..8F would be overlong (< U+10000)
        else if (b === 0xf4) hi = 0x8f // F4 90.. would be above U+10FFFF
      } else return this.reject() // F5..FF can never start a sequence
      i++
    }
    this.need = need
    this.lo = lo
    this.hi = hi
    return true
  }

  /**
   * End of message: true when everything pushed was valid and no sequence is left incomplete.
   * Resets the validator for the next message either way.
   *
   * @example
   * ```ts
   * const v = new Utf8.Validator()
   * v.push(Uint8Array.of(0xc3)) // true so far
   * v.finish()                  // false: "Ã" is truncated
   * ```
   */
  finish(): boolean {
    const ok = !this.bad && this.need === 0
    this.reset()
    return ok
  }

  /**
   * Forget any state (start of a new message).
   *
   * @example
   * ```ts
   * const v = new Utf8.Validator()
   * v.push(Uint8Array.of(0xff)) // false
   * v.reset()
   * v.push(Uint8Array.of(0x41)) // true
   * ```
   */
  reset(): void {
    this.need = 0
    this.lo = 0x80
    this.hi = 0xbf
    this.bad = false
  }

  private reject(): false {
    this.bad = true
    return false
  }
}

const shared = new Validator()

/**
 * One-shot check that `bytes` is complete, well-formed UTF-8 (RFC 3629).
 *
 * @example
 * ```ts
 * Utf8.isValid(new TextEncoder().encode("κόσμε")) // true
 * Utf8.isValid(Uint8Array.of(0xc0, 0xaf))          // false: overlong "/"
 * ```
 */
export const isValid = (bytes: Uint8Array): boolean => {
  const ok = shared.push(bytes, 0, bytes.length)
  return shared.finish() && ok
}
