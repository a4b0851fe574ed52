/**
 * A small seeded PRNG (sfc32, 128-bit state) so every fuzz and soak run is reproducible from the
 * printed seed. Fast enough for tens of millions of inputs; not for cryptography.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    this.a = 0x9e3779b9
    this.b = 0x243f6a88
    this.c = 0xb7e15162
    this.d = seed >>> 0
    for (let i = 0; i < 15; i++) this.u32()
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0x100000000 ? Math.floor((this.u32() / 0x100000000) * n) : Math.floor(this.float() * n)
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 0x100000000
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p
  }

  pick<T>(items: ReadonlyArray<T>): T {
    return items[this.int(items.length)]!
  }

  /** Fill `out` with random bytes. */
  fill(out: Uint8Array, start = 0, end = out.length): Uint8Array {
    let i = start
    for (; i + 4 <= end; i += 4) {
      const v = this.u32()
      out[i] = v
      out[i + 1] = v >>> 8
      out[i + 2] = v >>> 16
      out[i + 3] = v >>> 24
    }
    for (; i < end; i++) out[i] = this.u32()
    return out
  }

  bytes(n: number): Uint8Array {
    return this.fill(new Uint8Array(n))
  }

  /**
   * A length skewed to small values (mean ≈ 600), around the 125/126/127 boundaries, and rarely
   * (0.4 %) 64 KiB-ish to reach the 16/64-bit length forms.
   */
  length(max: number): number {
    const r = this.int(64)
    let n: number
    if (r < 28) n = this.int(16)
    else if (r < 40) n = this.int(200)
    else if (r < 48) n = this.pick([0, 1, 124, 125, 126, 127, 128])
    else if (r < 60) n = this.int(1024)
    else if (r < 63) n = this.int(8192)
    else n = this.chance(0.25) ? this.pick([65535, 65536, this.int(70_000)]) : this.int(4096)
    return Math.min(n, max)
  }
}

/** A fresh random seed (printed by the scripts so a run can be replayed). */
export const randomSeed = (): number => (Math.random() * 0x100000000) >>> 0
