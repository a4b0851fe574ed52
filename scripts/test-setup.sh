#!/usr/bin/env bash
# Installs the system packages the interop tests need (apps/conformance/test/interop-*.test.ts):
#   - python3-websockets: the Python `websockets` client, run by interop-python.test.ts
#   - chromium:           the headless browser driven by interop-browser.test.ts via playwright-core
#   - redis-server:       the Redis the bus transport's tests start on a free port of their own
#                         (packages/bus-redis/test/support/redis-server.ts); never the system service
#
# Runs before every `pnpm test` (see the root package.json), on developer machines and on a fresh CI
# machine, so it must be idempotent and cost nothing when everything is already there: it only calls
# apt-get when a check below fails. Browsers cannot be downloaded by Playwright here; Debian's
# chromium package is the only source, and that is why this script exists.
#
# Python note: Debian's python3-websockets installs into /usr/lib/python3/dist-packages, which only
# Debian's own interpreter (/usr/bin/python3) sees. A `python3` earlier on PATH (pyenv, as on these
# machines) would not find it, so the check and the tests both use /usr/bin/python3.
set -euo pipefail

DEBIAN_PYTHON=/usr/bin/python3
CHROMIUM=/usr/bin/chromium
REDIS_SERVER=/usr/bin/redis-server

missing=()
if ! { [ -x "$DEBIAN_PYTHON" ] && "$DEBIAN_PYTHON" -c 'import websockets' >/dev/null 2>&1; }; then
  missing+=(python3-websockets)
fi
if ! [ -x "$CHROMIUM" ]; then
  missing+=(chromium)
fi
if ! [ -x "$REDIS_SERVER" ]; then
  missing+=(redis-server)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "test-setup: python3-websockets, chromium and redis-server already present"
  exit 0
fi

echo "test-setup: installing missing system packages: ${missing[*]}"

# Root installs directly; otherwise sudo, never prompting when nobody can answer (CI has no stdin).
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  echo "test-setup: ERROR: not root and sudo is not available." >&2
  echo "test-setup: install these Debian packages, then re-run: apt-get install ${missing[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-setup: ERROR: apt-get not found; install these Debian packages by hand: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# One update first: on a fresh machine the package lists are empty or stale and the install would
# fail with "Unable to locate package".
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q; then
  echo "test-setup: ERROR: apt-get update failed" >&2
  exit 1
fi
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  echo "test-setup: ERROR: apt-get install ${missing[*]} failed" >&2
  exit 1
fi

# Verify the result rather than trusting apt's exit code: a package that installed but is still not
# usable (e.g. a different interpreter) would otherwise surface later as a confusing test failure.
if ! "$DEBIAN_PYTHON" -c 'import websockets' >/dev/null 2>&1; then
  echo "test-setup: ERROR: $DEBIAN_PYTHON still cannot import websockets after installing python3-websockets" >&2
  exit 1
fi
if ! [ -x "$CHROMIUM" ]; then
  echo "test-setup: ERROR: $CHROMIUM still missing after installing chromium" >&2
  exit 1
fi
if ! "$REDIS_SERVER" --version >/dev/null 2>&1; then
  echo "test-setup: ERROR: $REDIS_SERVER still missing or not runnable after installing redis-server" >&2
  exit 1
fi
echo "test-setup: installed ${missing[*]}"
