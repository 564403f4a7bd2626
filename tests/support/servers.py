"""Start real server processes (Daphne, Celery) for tests, on free local ports."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the test run uses, for child processes."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user, host, port = settings["USER"] or "postgres", settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    # The key and the Redis prefix of this process: the test database's name differs from the
    # configured one the prefix is derived from.
    env = {**os.environ, "DATABASE_URL": test_database_url(), "DJANGO_SECRET_KEY": settings.SECRET_KEY,
           "REDIS_PREFIX": settings.REDIS_PREFIX, "PYTHONUNBUFFERED": "1", **extra}
    env.pop("DJANGO_DEBUG", None)
    return env


def server_log() -> IO[bytes] | int:
    """Where a server process's output goes: TEST_SERVER_LOG=path appends it to that file,
    for debugging; otherwise nowhere (a pipe nobody reads would block a chatty server)."""
    path = os.environ.get("TEST_SERVER_LOG")
    return open(path, "ab") if path else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout}s")


def read_metric(base_url: str, sample: str) -> float:
    """One sample of a server's /metrics, e.g. 'tutor_turns_running' or
    'tutor_websocket_connections{socket="tutor"}'; 0 for a labelled sample not used yet
    (it appears on first use). A metric the server does not have at all raises, so a
    misspelt name cannot read as zero."""
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(f"{sample} "):
            return float(line.rsplit(" ", 1)[1])
    name = sample.split("{")[0].removesuffix("_total")
    if f"# TYPE {name} " not in text:
        raise KeyError(f"the server has no metric {sample!r}")
    return 0.0


def wait_until_zero(base_url: str, *samples: str, timeout: float = 15.0) -> None:
    """Wait until each sample reads zero. Used after a test with the gauges of work in
    flight, so that nothing writes while the test database is emptied (a TRUNCATE racing
    a server's insert can deadlock on PostgreSQL)."""
    deadline = time.monotonic() + timeout
    while busy := [s for s in samples if read_metric(base_url, s) > 0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base_url} still busy after the test: {busy}")
        time.sleep(0.05)


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Ask a server process to stop (SIGTERM runs its shutdown code); kill it if it has
    not stopped within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_daphne(application: str, port: int, **env: str) -> subprocess.Popen:
    """A Daphne process serving `application` on `port`, once it accepts connections."""
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), application],
        cwd=ROOT, env=child_env(**env), stdout=subprocess.DEVNULL, stderr=server_log(),
    )
    try:
        wait_for_port(port, process)
    except BaseException:
        stop(process)
        raise
    return process


@contextmanager
def daphne(application: str = "tutor_project.asgi:application", **env: str) -> Iterator[str]:
    """A Daphne process serving `application`; yields its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    process = start_daphne(application, port, **env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextmanager
def celery_worker(**env: str) -> Iterator[subprocess.Popen]:
    """A real Celery worker process on the test database.

    The solo pool runs tasks in the worker's own process, so a SIGKILL of it kills the
    running task too (with prefork, a killed parent leaves its children running)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tutor_project", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=child_env(**env), stdout=subprocess.DEVNULL, stderr=server_log(),
    )
    try:
        yield process
    finally:
        stop(process, grace=15)
