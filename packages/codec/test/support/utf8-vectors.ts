/**
 * UTF-8 stress vectors after Markus Kuhn's "UTF-8 decoder capability and stress test" and the
 * Autobahn 6.x cases (RFC 3629 §3–4, RFC 6455 §8.1). `failAt` is the index of the first byte at
 * which a fail-fast validator can know the input is invalid, or "end" for a sequence that is only
 * invalid because the message ends (truncation).
 */
export interface Utf8Vector {
  readonly name: string
  readonly bytes: Uint8Array
  readonly failAt: number | "end" | undefined // undefined = valid
}

const v = (name: string, hex: string, failAt?: number | "end"): Utf8Vector => ({
  name,
  bytes: Uint8Array.from(hex.trim().split(/\s+/).filter(Boolean), (h) => parseInt(h, 16)),
  failAt
})
const s = (name: string, text: string): Utf8Vector => ({ name, bytes: new TextEncoder().encode(text), failAt: undefined })

const kosme = "ce ba e1 bd b9 cf 83 ce bc ce b5"

export const UTF8_VECTORS: ReadonlyArray<Utf8Vector> = [
  // Kuhn 1: correct text; Autobahn 6.1/6.2
  v("1 κόσμε", kosme),
  v("empty", ""),
  s("Autobahn 6.2.1 mixed", "Hello-µ@ßöäüàá-UTF-8!!"),
  // Kuhn 2.1: first possible sequence of each length
  v("2.1.1 U+0000", "00"),
  v("2.1.2 U+0080", "c2 80"),
  v("2.1.3 U+0800", "e0 a0 80"),
  v("2.1.4 U+10000", "f0 90 80 80"),
  // Kuhn 2.2: last possible sequence of each length (within Unicode)
  v("2.2.1 U+007F", "7f"),
  v("2.2.2 U+07FF", "df bf"),
  v("2.2.3 U+FFFF", "ef bf bf"),
  v("2.2.4 U+10FFFF", "f4 8f bf bf"),
  // Kuhn 2.3: other boundary conditions
  v("2.3.1 U+D7FF", "ed 9f bf"),
  v("2.3.2 U+E000", "ee 80 80"),
  v("2.3.3 U+FFFD", "ef bf bd"),
  v("5.3.1 U+FFFE noncharacter (valid UTF-8)", "ef bf be"),
  v("5.3.3 U+FDD0 noncharacter (valid UTF-8)", "ef b7 90"),
  // Kuhn 2.1.5/2.1.6, 2.2.5/2.2.6: 5- and 6-byte forms are not UTF-8 (RFC 3629 §3)
  v("2.1.5 5-byte U+200000", "f8 88 80 80 80", 0),
  v("2.1.6 6-byte U+4000000", "fc 84 80 80 80 80", 0),
  v("2.2.4b U+1FFFFF (> U+10FFFF)", "f7 bf bf bf", 0),
  v("2.3.5 U+110000", "f4 90 80 80", 1),
  // Kuhn 3.1: unexpected continuation bytes
  v("3.1.1 first continuation 0x80", "80", 0),
  v("3.1.2 last continuation 0xbf", "bf", 0),
  v("3.1.3 2 continuations", "80 bf", 0),
  v("3.1.x continuation after ASCII", "41 42 80", 2),
  v("3.1.x extra continuation after a sequence", "c2 80 80", 2),
  // Kuhn 3.2: lonely start characters
  v("3.2.1 lonely 2-byte start", "c2 20", 1),
  v("3.2.2 lonely 3-byte start", "e1 20", 1),
  v("3.2.3 lonely 4-byte start", "f1 20", 1),
  // Kuhn 3.3: sequences with the last continuation byte missing (then more text or end)
  v("3.3.1 2-byte missing last, at end", "c2", "end"),
  v("3.3.2 3-byte missing last, at end", "e0 a0", "end"),
  v("3.3.3 4-byte missing last, at end", "f0 90 80", "end"),
  v("3.3.x 3-byte missing last, then ASCII", "e2 82 41", 2),
  v("3.3.x truncated after valid text", "41 e2 82", "end"),
  v("3.3.x 4-byte missing 2, then ASCII", "f4 8f 41", 2),
  // Kuhn 3.5: impossible bytes
  v("3.5.1 fe", "fe", 0),
  v("3.5.2 ff", "ff", 0),
  v("3.5.3 fe fe ff ff", "fe fe ff ff", 0),
  v("f5 lead (> U+10FFFF)", "f5 80 80 80", 0),
  // Kuhn 4.1–4.3: overlong sequences
  v("4.1.1 overlong / in 2 bytes", "c0 af", 0),
  v("4.1.2 overlong / in 3 bytes", "e0 80 af", 1),
  v("4.1.3 overlong / in 4 bytes", "f0 80 80 af", 1),
  v("4.2.1 max overlong 2 bytes", "c1 bf", 0),
  v("4.2.2 max overlong 3 bytes", "e0 9f bf", 1),
  v("4.2.3 max overlong 4 bytes", "f0 8f bf bf", 1),
  v("4.3.1 overlong NUL 2 bytes", "c0 80", 0),
  v("4.3.2 overlong NUL 3 bytes", "e0 80 80", 1),
  // Kuhn 5.1–5.2: UTF-16 surrogates
  v("5.1.1 U+D800", "ed a0 80", 1),
  v("5.1.3 U+DB80", "ed ae 80", 1),
  v("5.1.5 U+DC00", "ed b0 80", 1),
  v("5.1.7 U+DFFF", "ed bf bf", 1),
  v("5.2.1 U+D800 U+DC00 pair", "ed a0 80 ed b0 80", 1),
  // Autobahn 6.3.1 / 6.4.x: invalid byte in the middle of otherwise valid text
  v("Autobahn 6.3.1", `${kosme} ed a0 80 65 64 69 74 65 64`, 12),
  v("Autobahn 6.4.1", `${kosme} f4 90 80 80 65 64 69 74 65 64`, 12),
  v("Autobahn 6.4.3/4 (U+110000 after text)", `${kosme} f4 90 80 80 ce ba`, 12)
]
