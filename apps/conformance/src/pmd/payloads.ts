/**
 * Test data for categories 12 and 13, one kind per Autobahn 12.x subcategory (JSON, a bitmap,
 * German prose, HTML, a PDF), generated from a seeded PRNG: the same bytes on every run, about
 * 256 KiB each, none of Autobahn's files. Messages are cut from the data cyclically, as Autobahn
 * does: text kinds by characters (so a message is always whole UTF-8), binary kinds by bytes.
 */

export interface PayloadKind {
  readonly id: string
  readonly title: string
  readonly kind: "text" | "binary"
  /** The data: characters (text) or bytes (binary). */
  readonly units: readonly string[] | Buffer
}

/** mulberry32: a small deterministic PRNG. */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TARGET = 256 * 1024
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!

const WORDS = [
  "Habe",
  "nun",
  "ach",
  "Philosophie",
  "Juristerei",
  "und",
  "Medizin",
  "leider",
  "auch",
  "Theologie",
  "durchaus",
  "studiert",
  "mit",
  "heißem",
  "Bemühn",
  "da",
  "steh",
  "ich",
  "armer",
  "Tor",
  "bin",
  "so",
  "klug",
  "als",
  "wie",
  "zuvor",
  "Geist",
  "Nacht",
  "Mond",
  "Schüler",
  "Wälder",
  "Höhle",
  "Glück",
  "Straße",
  "über",
  "Frühling",
  "Lied",
  "Töne",
  "Herz",
  "Welt",
  "Zeit",
  "grün",
  "süß",
  "Tür"
]

const germanProse = (): Buffer => {
  const r = prng(12_3)
  let s = ""
  while (Buffer.byteLength(s) < TARGET) {
    const n = 4 + Math.floor(r() * 7)
    const line = Array.from({ length: n }, () => pick(r, WORDS)).join(" ")
    s += `${line[0]!.toUpperCase()}${line.slice(1)}${pick(r, [",", ".", "!", "?", ";", ""])}\n`
    if (r() < 0.08) s += `\n${pick(r, ["FAUST", "MEPHISTOPHELES", "WAGNER", "GRETCHEN"])}:\n`
  }
  return Buffer.from(s, "utf8")
}

const json = (): string[] => {
  const r = prng(12_1)
  const cities = ["Zürich", "München", "São Paulo", "Kraków", "Reykjavík", "Tōkyō", "Paris", "Oslo"]
  const items: string[] = []
  let size = 0
  for (let id = 1; size < TARGET; id++) {
    const item = JSON.stringify({
      id,
      uuid: Array.from({ length: 4 }, () =>
        Math.floor(r() * 0xffffffff)
          .toString(16)
          .padStart(8, "0")
      ).join("-"),
      name: `${pick(r, WORDS)} ${pick(r, WORDS)}`,
      city: pick(r, cities),
      price: Math.round(r() * 1_000_000) / 100,
      currency: pick(r, ["EUR €", "USD $", "GBP £", "JPY ¥"]),
      tags: Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, ["new", "sale", "✓ verified", "hot", "→ ship"])),
      active: r() < 0.5,
      ts: 1_700_000_000_000 + Math.floor(r() * 1e10)
    })
    items.push(item)
    size += item.length + 2
  }
  return Array.from(`[\n${items.join(",\n")}\n]\n`)
}

const html = (): string[] => {
  const r = prng(12_4)
  let s = '<!DOCTYPE html>\n<html lang="de">\n<head><meta charset="utf-8"><title>Übersicht</title></head>\n<body>\n'
  while (s.length < TARGET) {
    const cls = pick(r, ["row", "row alt", "card", "note"])
    s += `<div class="${cls}" id="n${Math.floor(r() * 1e6)}">\n  <h2>${pick(r, WORDS)} — ${pick(r, WORDS)}</h2>\n`
    s += `  <p>${Array.from({ length: 8 + Math.floor(r() * 20) }, () => pick(r, WORDS)).join(" ")}.</p>\n`
    s += `  <a href="/artikel/${Math.floor(r() * 99999)}?ref=übersicht">mehr »</a>\n</div>\n`
  }
  return Array.from(s + "</body>\n</html>\n")
}

/** A 512×512 8-bit grayscale BMP: smooth gradients, circles and a little noise. */
const bitmap = (): Buffer => {
  const r = prng(12_2)
  const w = 512
  const h = 512
  const header = Buffer.alloc(54 + 1024)
  header.write("BM", 0, "latin1")
  header.writeUInt32LE(header.length + w * h, 2)
  header.writeUInt32LE(header.length, 10)
  header.writeUInt32LE(40, 14)
  header.writeInt32LE(w, 18)
  header.writeInt32LE(h, 22)
  header.writeUInt16LE(1, 26)
  header.writeUInt16LE(8, 28)
  header.writeUInt32LE(w * h, 34)
  for (let i = 0; i < 256; i++) header.writeUInt32LE(i * 0x010101, 54 + 4 * i)
  const pixels = Buffer.alloc(w * h)
  const circles = Array.from({ length: 12 }, () => [r() * w, r() * h, 20 + r() * 80, r() * 255] as const)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 53) + (x + y) / 16
      for (const [cx, cy, rad, shade] of circles) if ((x - cx) ** 2 + (y - cy) ** 2 < rad * rad) v = (v + shade) / 2
      pixels[y * w + x] = Math.max(0, Math.min(255, Math.round(v + (r() - 0.5) * 12)))
    }
  }
  return Buffer.concat([header, pixels])
}

/** A PDF-like file: short text objects around streams of already-compressed (random) bytes. */
const pdf = (): Buffer => {
  const r = prng(12_5)
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")]
  let size = 0
  for (let obj = 1; size < TARGET; obj++) {
    const n = 2000 + Math.floor(r() * 14000)
    const stream = Buffer.alloc(n)
    for (let i = 0; i < n; i++) stream[i] = Math.floor(r() * 256)
    const head = Buffer.from(`${obj} 0 obj\n<< /Length ${n} /Filter /FlateDecode >>\nstream\n`, "latin1")
    const tail = Buffer.from("\nendstream\nendobj\n", "latin1")
    parts.push(head, stream, tail)
    size += head.length + n + tail.length
  }
  parts.push(Buffer.from("trailer\n<< /Root 1 0 R >>\n%%EOF\n", "latin1"))
  return Buffer.concat(parts)
}

let cache: readonly PayloadKind[] | undefined

/** The five kinds, in Autobahn's 12.1–12.5 order (JSON, bitmap, German prose, HTML, PDF). */
export const payloadKinds = (): readonly PayloadKind[] =>
  (cache ??= [
    { id: "json", title: "JSON data (text)", kind: "text", units: json() },
    { id: "bitmap", title: "512×512 grayscale bitmap (binary)", kind: "binary", units: bitmap() },
    { id: "prose", title: "German verse and prose, UTF-8 sent as binary", kind: "binary", units: germanProse() },
    { id: "html", title: "HTML page (text)", kind: "text", units: html() },
    { id: "pdf", title: "PDF-like file, mostly already-compressed streams (binary)", kind: "binary", units: pdf() }
  ])

/** Cuts consecutive messages of `length` units from the data, wrapping around at its end. */
export class MessageCutter {
  private at = 0
  constructor(private readonly payload: PayloadKind) {}

  next(length: number): Buffer {
    const u = this.payload.units
    const n = u.length
    const from = this.at
    this.at = (this.at + length) % n
    if (typeof u === "object" && Buffer.isBuffer(u)) {
      const parts: Buffer[] = []
      for (let left = length, i = from; left > 0; i = 0) {
        const take = Math.min(left, n - i)
        parts.push(u.subarray(i, i + take))
        left -= take
      }
      return Buffer.concat(parts)
    }
    const chars = u as readonly string[]
    let s = ""
    for (let k = 0; k < length; k++) s += chars[(from + k) % n]
    return Buffer.from(s, "utf8")
  }
}
