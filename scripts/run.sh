#!/usr/bin/env bash
# One command for the whole product on the embedded default (no environment needed):
# install, migrate, seed the demo learner, then serve Daphne and a Celery worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo
# One machine: the worker also runs beat (schedules live in the database, editable in admin).
$PY -m celery -A tutor_project worker --beat --loglevel=INFO --concurrency=2 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
echo "AI Tutor on http://${HOST:-127.0.0.1}:${PORT:-8000}/  (API docs: /api/docs/, admin: /admin/)"
$PY -m daphne -b "${HOST:-127.0.0.1}" -p "${PORT:-8000}" tutor_project.asgi:application
