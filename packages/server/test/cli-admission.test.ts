/**
 * The flags of the TLS and admission options (`Cli.serverFlags`): repeated and comma-separated
 * lists, environment variables, bad values refused with one line (exit 2 in `Cli.main`), and TLS
 * files read at parse time.
 */
import { describe, expect, it } from "vitest"
import { Cli } from "../src/cli/index.js"
import { makeCerts } from "./support/certs.js"

const flags = Cli.serverFlags({ host: "127.0.0.1", port: 9000 })
const parse = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => Cli.parse("test", "a test server", flags, argv, env)

describe("admission and TLS flags", () => {
  it("--allow-origin repeats and splits on commas; ALLOW_ORIGINS when absent", () => {
    expect(parse(["--allow-origin", "https://a.test", "--allow-origin", "https://*.b.test, null"])).toEqual({
      _tag: "Run",
      options: { allowedOrigins: ["https://a.test", "https://*.b.test", "null"] }
    })
    expect(parse([], { ALLOW_ORIGINS: "https://a.test,http://localhost:3000" })).toEqual({
      _tag: "Run",
      options: { allowedOrigins: ["https://a.test", "http://localhost:3000"] }
    })
  })

  it("a bad origin or proxy is refused with one line naming the flag", () => {
    expect(parse(["--allow-origin", "https://a.test/path"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining('--allow-origin: "https://a.test/path"')
    })
    expect(parse(["--trusted-proxy", "proxy.local"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining('--trusted-proxy: "proxy.local"')
    })
    expect(parse(["--max-connections-per-address", "-1"])).toMatchObject({ _tag: "Invalid" })
  })

  it("the per-address limits and trusted proxies", () => {
    expect(
      parse([
        "--max-connections-per-address",
        "100",
        "--max-handshakes-per-second-per-address",
        "10",
        "--trusted-proxy",
        "10.0.0.1,10.1.0.0/16"
      ])
    ).toEqual({
      _tag: "Run",
      options: { maxConnectionsPerAddress: 100, maxHandshakesPerSecondPerAddress: 10, trustedProxies: ["10.0.0.1", "10.1.0.0/16"] }
    })
  })

  it("--tls-cert and --tls-key read the files into tls; TLS_CERT/TLS_KEY when absent; a missing file is refused", () => {
    const certs = makeCerts()
    try {
      const parsed = parse(["--tls-cert", certs.certPath, "--tls-key", certs.keyPath])
      expect(parsed._tag).toBe("Run")
      const tls = (parsed as { options: { tls: { cert: Buffer; key: Buffer } } }).options.tls
      expect(tls.cert.equals(certs.cert)).toBe(true)
      expect(tls.key.equals(certs.key)).toBe(true)
      expect(parse([], { TLS_CERT: certs.certPath, TLS_KEY: certs.keyPath })._tag).toBe("Run")
      expect(parse(["--tls-key", "/nonexistent/key.pem"])).toMatchObject({
        _tag: "Invalid",
        message: expect.stringContaining("--tls-key: cannot read")
      })
    } finally {
      certs.remove()
    }
  })
})
