/**
 * UTF-8 test sequences for cases 6.5.x-6.23.x, in Autobahn's order (derived from Markus Kuhn's
 * UTF-8-test.txt). Validity is per RFC 3629 (as required by RFC 6455 §8.1): no overlongs, no
 * surrogates (U+D800-U+DFFF), nothing above U+10FFFF; noncharacters are VALID UTF-8.
 */

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")
const ascii = (s: string): Buffer => Buffer.from(s, "latin1")

export interface Utf8Group {
  readonly title: string
  readonly items: readonly (readonly [valid: boolean, bytes: Buffer])[]
}

/** κόσμε */
export const KOSME = hex("cebae1bdb9cf83cebcceb5")

const fatal = new TextDecoder("utf-8", { fatal: true })
const valid = (b: Buffer): boolean => {
  try {
    fatal.decode(b)
    return true
  } catch {
    return false
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

const incomplete = ["c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf"]

const nonCharacters = (): Buffer[] => {
  const out = [hex("efbfbe"), hex("efbfbf")]
  for (const z1 of ["f0", "f1", "f2", "f3", "f4"]) {
    for (const z2 of ["8f", "9f", "af", "bf"]) {
      if (z1 === "f4" && z2 !== "8f") continue // those encode code points > U+10FFFF
      for (const z3 of ["be", "bf"]) {
        const zz = z1 + z2 + "bf" + z3
        if (zz !== "f08fbfbe" && zz !== "f08fbfbf") out.push(hex(zz)) // filter overlongs
      }
    }
  }
  return out
}

const T = (...bs: Buffer[]) => bs.map((b) => [true, b] as const)
const F = (...bs: Buffer[]) => bs.map((b) => [false, b] as const)

/** Groups numbered 6.5 upwards, exactly as in Autobahn. */
export const UTF8_GROUPS: readonly Utf8Group[] = [
  {
    title: "Some valid UTF-8 sequences",
    items: T(
      ascii("hello$world"),
      hex("68656c6c6fc2a2776f726c64"),
      hex("68656c6c6fe282ac776f726c64"),
      hex("68656c6c6ff0a4ada2776f726c64"),
      KOSME
    )
  },
  {
    title: "All prefixes of a valid UTF-8 string that contains multi-byte code points",
    items: range(1, KOSME.length + 1).map((i) => [valid(KOSME.subarray(0, i)), KOSME.subarray(0, i)] as const)
  },
  { title: "First possible sequence of a certain length", items: T(hex("00"), hex("c280"), hex("e0a080"), hex("f0908080")) },
  { title: "First possible sequence length 5/6 (invalid codepoints)", items: F(hex("f888808080"), hex("fc8480808080")) },
  { title: "Last possible sequence of a certain length", items: T(hex("7f"), hex("dfbf"), hex("efbfbf"), hex("f48fbfbf")) },
  { title: "Last possible sequence length 4/5/6 (invalid codepoints)", items: F(hex("f7bfbfbf"), hex("fbbfbfbfbf"), hex("fdbfbfbfbfbf")) },
  {
    title: "Other boundary conditions",
    items: [...T(hex("ed9fbf"), hex("ee8080"), hex("efbfbd"), hex("f48fbfbf")), ...F(hex("f4908080"))]
  },
  {
    title: "Unexpected continuation bytes",
    items: F(
      hex("80"),
      hex("bf"),
      hex("80bf"),
      hex("80bf80"),
      hex("80bf80bf"),
      hex("80bf80bf80"),
      hex("80bf80bf80bf"),
      Buffer.from(range(0x80, 0xbf))
    )
  },
  {
    title: "Lonely start characters",
    items: F(
      ...[
        [0xc0, 0xdf],
        [0xe0, 0xef],
        [0xf0, 0xf7],
        [0xf8, 0xfb],
        [0xfc, 0xfd]
      ].map(([a, b]) => Buffer.from(range(a!, b!).flatMap((x) => [x, 0x20])))
    )
  },
  { title: "Sequences with last continuation byte missing", items: F(...incomplete.map(hex)) },
  { title: "Concatenation of incomplete sequences", items: F(hex(incomplete.join(""))) },
  { title: "Impossible bytes", items: F(hex("fe"), hex("ff"), hex("fefeffff")) },
  {
    title: "Examples of an overlong ASCII character",
    items: F(hex("c0af"), hex("e080af"), hex("f08080af"), hex("f8808080af"), hex("fc80808080af"))
  },
  { title: "Maximum overlong sequences", items: F(hex("c1bf"), hex("e09fbf"), hex("f08fbfbf"), hex("f887bfbfbf"), hex("fc83bfbfbfbf")) },
  {
    title: "Overlong representation of the NUL character",
    items: F(hex("c080"), hex("e08080"), hex("f0808080"), hex("f880808080"), hex("fc8080808080"))
  },
  { title: "Single UTF-16 surrogates", items: F(...["eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf"].map(hex)) },
  {
    title: "Paired UTF-16 surrogates",
    items: F(
      ...[
        "eda080edb080",
        "eda080edbfbf",
        "edadbfedb080",
        "edadbfedbfbf",
        "edae80edb080",
        "edae80edbfbf",
        "edafbfedb080",
        "edafbfedbfbf"
      ].map(hex)
    )
  },
  { title: "Non-character code points (valid UTF-8)", items: T(...nonCharacters()) },
  {
    title: "Unicode specials (i.e. replacement char)",
    items: T(...["efbfb9", "efbfba", "efbfbb", "efbfbc", "efbfbd", "efbfbe", "efbfbf"].map(hex))
  }
]
