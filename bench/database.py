"""A fresh, migrated database for benchmarks that run the product in-process.

SQLite in a temporary data folder by default (the settings' embedded default, media files
included); with DATABASE_URL set, a database of the given name on that PostgreSQL server,
dropped and created again. Celery runs tasks inline, as there is no worker.
"""
from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(name: str) -> str:
    """Configure and migrate Django on a fresh database called `name`; returns what it is."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    data_dir = tempfile.mkdtemp(prefix=f"{name}-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ.update(TUTOR_DATA_DIR=data_dir, CELERY_TASK_ALWAYS_EAGER="1",
                      DJANGO_SETTINGS_MODULE="tutor_project.settings")
    # A configured database needs a signing key (SPEC 12); a throwaway one for the bench.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    url = os.environ.get("DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = _recreate_postgres(url, name)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # One INFO line per inline task would drown the figures.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    return f"PostgreSQL database {name}" if url else f"SQLite file in {data_dir}"


def _recreate_postgres(url: str, name: str) -> str:
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"
