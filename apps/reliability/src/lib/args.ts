/** Tiny `--name value` / `--name=value` flag parser for the scripts (unknown flags are errors). */
export type Flags = Record<string, string | undefined>

export const parseFlags = (argv: ReadonlyArray<string>, known: ReadonlyArray<string>): Flags => {
  const out: Flags = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") continue
    if (!arg.startsWith("--")) fail(`unexpected argument: ${arg}`)
    const eq = arg.indexOf("=")
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
    if (!known.includes(name)) fail(`unknown flag --${name} (known: ${known.map((k) => "--" + k).join(" ")})`)
    let value: string
    if (eq >= 0) value = arg.slice(eq + 1)
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i]!
    else value = "true"
    out[name] = value
  }
  return out
}

/** A numeric flag; accepts `1e6`, `10_000`, `100k`, `10M`. */
export const num = (flags: Flags, name: string, fallback: number): number => {
  const text = flags[name]
  if (text === undefined) return fallback
  const m = /^([\d._]+(?:e\d+)?)([kKmM]?)$/.exec(text.replace(/_/g, ""))
  if (m === null) return fail(`--${name} needs a number, got ${text}`)
  const base = Number(m[1])
  const mult = m[2] === "k" || m[2] === "K" ? 1e3 : m[2] === "m" || m[2] === "M" ? 1e6 : 1
  const value = base * mult
  if (!Number.isFinite(value) || value < 0) fail(`--${name} needs a non-negative number, got ${text}`)
  return value
}

export const fail = (message: string): never => {
  process.stderr.write(`error: ${message}\n`)
  process.exit(2)
}
