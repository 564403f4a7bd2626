#!/usr/bin/env bash
# Create .venv and install requirements.txt into it; skipped when the installed
# set already matches the file (a hash stamp in the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi

# The stock y-websocket client and server (npm) that whiteboard tests and benchmarks run
# under Node; installed from the lockfile, again only when it changed.
if [ -f bench/node/package-lock.json ] && command -v npm >/dev/null; then
  node_stamp=bench/node/node_modules/.lock.sha256
  node_want=$(sha256sum bench/node/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$node_stamp" 2>/dev/null)" != "$node_want" ]; then
    npm ci --prefix bench/node --no-audit --no-fund --loglevel=error
    echo "$node_want" > "$node_stamp"
  fi
fi
