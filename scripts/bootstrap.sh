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
want=$(cat requirements.txt requirements-test.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
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

# The learner's web app (frontend/): npm ci when its lockfile changed, then a build
# (types from the committed contracts, type-check, vite build) when any of its sources
# changed. Served by Django from frontend/dist after collectstatic (scripts/run.sh).
if command -v npm >/dev/null; then
  web_stamp=frontend/node_modules/.lock.sha256
  web_want=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$web_stamp" 2>/dev/null)" != "$web_want" ]; then
    npm ci --prefix frontend --no-audit --no-fund --loglevel=error
    echo "$web_want" > "$web_stamp"
  fi
  build_stamp=frontend/dist/.sources.sha256
  build_want=$(cd frontend && find index.html package.json package-lock.json tsconfig.json vite.config.ts public scripts src \
    -type f ! -name '*.d.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$build_stamp" 2>/dev/null)" != "$build_want" ]; then
    npm run --prefix frontend build --silent
    echo "$build_want" > "$build_stamp"
  fi
else
  echo "npm not found: the web app is not built (Node >= 20.19 builds it; the API works without it)" >&2
fi
