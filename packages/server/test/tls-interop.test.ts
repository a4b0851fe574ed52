/**
 * `wss://` with other clients' TLS stacks, certificates made at test time: Python's `websockets`
 * (Debian's /usr/bin/python3, installed by scripts/test-setup.sh) with an `ssl` context that
 * trusts the test CA, and headless Chromium trusting the server's key by its SPKI pin
 * (`--ignore-certificate-errors-spki-list`): a real TLS handshake, only the chain's root is not
 * asked for. Without the CA or the pin, both refuse the server.
 */
import { execFile } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit, Scope } from "effect"
import { echo } from "../../../apps/echo/src/echo.js"
import { Server } from "../src/index.js"
import { makeCerts } from "./support/certs.js"
import { launch, startPageServer } from "./support/chromium.js"

const certs = makeCerts()
let scope: Scope.Closeable
let url: string
let port: number

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(
    Server.listen(echo, { port: 0, tls: { key: certs.key, cert: certs.cert } }).pipe(Scope.provide(scope))
  )
  url = server.url!
  port = server.port!
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  certs.remove()
})

const python = `
import asyncio, json, ssl, sys
import websockets

async def main(url, cafile):
    context = ssl.create_default_context(cafile=cafile or None)
    async with websockets.connect(url, ssl=context, open_timeout=10, close_timeout=10, ping_interval=None) as ws:
        await asyncio.wait_for(ws.send("hello from python"), 10)
        echoed = await asyncio.wait_for(ws.recv(), 10)
        tls = ws.transport.get_extra_info("ssl_object").version()
    print(json.dumps({"echoed": echoed, "tls": tls, "close_code": ws.close_code}))

asyncio.run(main(sys.argv[1], sys.argv[2]))
`

const runPython = (target: string, cafile: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.env.INTEROP_PYTHON || "/usr/bin/python3",
      ["-c", python, target, cafile],
      { timeout: 25_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr })
    )
  })

describe("wss interop", () => {
  it("Python websockets, trusting the test CA, echoes over TLS and closes with 1000", async () => {
    const result = await runPython(`wss://localhost:${port}/`, certs.caPath)
    expect(result.code, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({ echoed: "hello from python", close_code: 1000 })
    expect(report.tls).toMatch(/^TLSv1\.[23]$/)
  }, 30_000)

  it("Python websockets without the CA refuses the certificate", async () => {
    const result = await runPython(`wss://localhost:${port}/`, "")
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain("CERTIFICATE_VERIFY_FAILED")
  }, 30_000)

  it("Chromium with the server key's SPKI pin echoes over wss; without the pin the socket fails", async () => {
    const page = await startPageServer()
    const pinned = await launch([`--ignore-certificate-errors-spki-list=${certs.spki}`])
    const plain = await launch()
    try {
      expect(await pinned.open(page.origin, url)).toEqual({ opened: true, echoed: `hello from ${page.origin}` })
      expect(await plain.open(page.origin, url)).toEqual({ opened: false, code: 1006 })
    } finally {
      await Promise.all([pinned.close(), plain.close(), page.close()])
    }
  }, 60_000)
})
