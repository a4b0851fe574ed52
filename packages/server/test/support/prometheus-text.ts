/**
 * A small, strict parser of the Prometheus text format 0.0.4 for tests. Every line is a comment
 * or `name{labels} value`; label values allow only the escapes `\\`, `\"` and `\n`; every
 * sample's family has exactly one `# HELP` and one `# TYPE`, both before its samples; a counter's
 * samples are named as its family and end in `_total`; no series appears twice. Anything else
 * throws, naming the line.
 */

export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped"

export interface Family {
  readonly name: string
  readonly help: string
  readonly type: FamilyType
}

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  /** The family the sample belongs to. */
  readonly family: string
}

export interface Exposition {
  readonly families: ReadonlyMap<string, Family>
  readonly samples: ReadonlyArray<Sample>
  /** The value of the series `name` with exactly these labels (undefined when absent). */
  readonly value: (name: string, labels?: Readonly<Record<string, string>>) => number | undefined
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"])

const parseValue = (text: string, where: string): number => {
  if (text === "+Inf") return Infinity
  if (text === "-Inf") return -Infinity
  if (text === "NaN") return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`)
  return Number(text)
}

/** Labels `{a="x",b="y"}` from `text` at `i` (just after `{`); returns them and the index after `}`. */
const parseLabels = (text: string, start: number, where: string): [Record<string, string>, number] => {
  const labels: Record<string, string> = {}
  let i = start
  while (text[i] !== "}") {
    const eq = text.indexOf("=", i)
    if (eq < 0) throw new Error(`${where}: label without "="`)
    const name = text.slice(i, eq)
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name "${name}"`)
    if (name in labels) throw new Error(`${where}: label "${name}" twice`)
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`)
    let value = ""
    let j = eq + 2
    for (; ; j++) {
      const c = text[j]
      if (c === undefined) throw new Error(`${where}: unterminated label value`)
      if (c === '"') break
      if (c === "\n") throw new Error(`${where}: raw line feed in label value`)
      if (c === "\\") {
        const next = text[++j]
        if (next === "\\") value += "\\"
        else if (next === '"') value += '"'
        else if (next === "n") value += "\n"
        else throw new Error(`${where}: bad escape "\\${String(next)}" in label value`)
      } else value += c
    }
    labels[name] = value
    i = j + 1
    if (text[i] === ",") i++
    else if (text[i] !== "}") throw new Error(`${where}: expected "," or "}" after a label`)
  }
  return [labels, i + 1]
}

const familyOf = (name: string, families: ReadonlyMap<string, Family>): string | undefined => {
  if (families.has(name)) return name
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue
    const base = name.slice(0, -suffix.length)
    const type = families.get(base)?.type
    if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base
  }
  return undefined
}

const seriesKey = (name: string, labels: Readonly<Record<string, string>>) =>
  `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`

/** Parses an exposition, throwing on the first line that breaks a rule. */
export const parsePrometheus = (text: string): Exposition => {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the text does not end with a line feed")
  const families = new Map<string, Family>()
  const helps = new Map<string, string>()
  const samples: Array<Sample> = []
  const seen = new Set<string>()
  const lines = text.split("\n").slice(0, -1)
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
      if (m === null) return // another comment
      const [, kind, name, rest = ""] = m
      if (!NAME.test(name!)) throw new Error(`${where}: bad metric name`)
      if (samples.some((s) => s.family === name)) throw new Error(`${where}: ${kind} after the family's samples`)
      if (kind === "HELP") {
        if (helps.has(name!)) throw new Error(`${where}: second HELP`)
        if (/\\(?!n)/.test(rest.replace(/\\\\/g, ""))) throw new Error(`${where}: bad escape in HELP`)
        helps.set(
          name!,
          rest.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"))
        )
      } else {
        if (families.has(name!)) throw new Error(`${where}: second TYPE`)
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type "${rest}"`)
        families.set(name!, { name: name!, help: "", type: rest as FamilyType })
      }
      return
    }
    if (line.trim() === "") throw new Error(`${where}: empty line`)
    const nameEnd = line.search(/[{ ]/)
    if (nameEnd <= 0) throw new Error(`${where}: not "name{labels} value"`)
    const name = line.slice(0, nameEnd)
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`)
    let [labels, i]: [Record<string, string>, number] = [{}, nameEnd]
    if (line[nameEnd] === "{") [labels, i] = parseLabels(line, nameEnd + 1, where)
    const rest = line.slice(i)
    const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest)
    if (m === null) throw new Error(`${where}: expected " value" after the name and labels`)
    const value = parseValue(m[1]!, where)
    const family = familyOf(name, families)
    if (family === undefined) throw new Error(`${where}: sample of a family with no TYPE`)
    if (!helps.has(family)) throw new Error(`${where}: sample of a family with no HELP`)
    const type = families.get(family)!.type
    if (type === "counter" && (name !== family || !name.endsWith("_total")))
      throw new Error(`${where}: a counter's samples are named <family> and end in _total`)
    const key = seriesKey(name, labels)
    if (seen.has(key)) throw new Error(`${where}: the same series twice`)
    seen.add(key)
    samples.push({ name, labels, value, family })
  })
  for (const [name, family] of families) families.set(name, { ...family, help: helps.get(name) ?? "" })
  for (const name of helps.keys()) if (!families.has(name)) throw new Error(`HELP without TYPE for ${name}`)
  const byKey = new Map(samples.map((s) => [seriesKey(s.name, s.labels), s.value]))
  return { families, samples, value: (name, labels = {}) => byKey.get(seriesKey(name, labels)) }
}
