#!/usr/bin/env bash
# One command for the test suite: install, then pytest (extra arguments go to pytest).
# Runs on the embedded default, or against PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
