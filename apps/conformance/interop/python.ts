/**
 * Runs interop/python_client.py against a server and returns its JSON summary.
 *
 * The interpreter is Debian's /usr/bin/python3, not whatever `python3` is first on PATH: the
 * python3-websockets package (installed by scripts/test-setup.sh) lives in Debian's dist-packages,
 * which a pyenv or venv python3 earlier on PATH does not see. INTEROP_PYTHON overrides it.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { repoRoot } from "./util.js"

export const pythonScript = join(repoRoot, "apps/conformance/interop/python_client.py")
export const pythonInterpreter = process.env.INTEROP_PYTHON || "/usr/bin/python3"

/** Longer than the script's own 25 s overall limit, so the script normally reports first; shorter
 *  than the tests' 30 s timeout, so a hung interpreter is reported with its output. */
const KILL_AFTER_MS = 28_000

export function runPythonClient(mode: "echo" | "server-close", url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonInterpreter, [pythonScript, mode, url], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      // Unbuffered and UTF-8 regardless of the machine's locale.
      env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS)
    child.once("error", (err) => {
      clearTimeout(timer)
      reject(new Error(`cannot run ${pythonInterpreter} (run scripts/test-setup.sh): ${err.message}`))
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const detail = `exit ${code}, signal ${signal}\nstdout: ${stdout}\nstderr: ${stderr}`
      if (code !== 0) return reject(new Error(`python_client.py ${mode} failed: ${detail}`))
      try {
        resolve(JSON.parse(stdout))
      } catch {
        reject(new Error(`python_client.py printed no JSON: ${detail}`))
      }
    })
  })
}
