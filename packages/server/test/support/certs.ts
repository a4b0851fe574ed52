/**
 * Certificates made at test time with Debian's `openssl`: a test CA, and a server certificate it
 * signed for `localhost` and `127.0.0.1`. Clients trust the CA (no verification is turned off);
 * Chromium pins the server key's SPKI hash instead, which still needs a real TLS handshake.
 */
import { execFileSync } from "node:child_process"
import { createHash, X509Certificate } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface TestCerts {
  readonly dir: string
  readonly caCert: Buffer
  readonly cert: Buffer
  readonly key: Buffer
  readonly caPath: string
  readonly certPath: string
  readonly keyPath: string
  /** base64 SHA-256 of the server certificate's SubjectPublicKeyInfo (Chromium's SPKI pin). */
  readonly spki: string
  readonly remove: () => void
}

const openssl = (dir: string, args: ReadonlyArray<string>) =>
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 })

/** Makes a CA and a server certificate for localhost / 127.0.0.1 in a fresh temporary folder. */
export const makeCerts = (): TestCerts => {
  const dir = mkdtempSync(join(tmpdir(), "wspipe-certs-"))
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
  openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=wspipe test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign"
  ])
  openssl(dir, ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
  )
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "server.ext"
  ])
  const cert = readFileSync(join(dir, "server.crt"))
  const spkiDer = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" })
  return {
    dir,
    caCert: readFileSync(join(dir, "ca.crt")),
    cert,
    key: readFileSync(join(dir, "server.key")),
    caPath: join(dir, "ca.crt"),
    certPath: join(dir, "server.crt"),
    keyPath: join(dir, "server.key"),
    spki: createHash("sha256").update(spkiDer).digest("base64"),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}
