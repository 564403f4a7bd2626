"""Liveness and readiness probes.

/healthz answers as long as the process serves requests. /readyz checks what a
request needs: the database, the channel layer and the Celery broker, all at once and
each within CHECK_TIMEOUT_SECONDS, so it answers within 2 s even when a dependency
accepts connections and never answers; 503 names the failing checks, so an
orchestrator can hold traffic back.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

from tutor_project.celery import app as celery_app
from tutor_project.web.errors import DomainError

CHECK_TIMEOUT_SECONDS = 1.0  # each check; all run at once, so /readyz answers well within 2 s


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("readyz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "readyz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


def check_broker() -> None:
    """Raises when the Celery broker cannot be reached (its client's socket timeouts bound it)."""
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


def require_broker() -> None:
    """Work that needs a worker is refused (503) while the broker is unreachable, before
    anything is stored: accepted work would otherwise wait for a sweep."""
    try:
        check_broker()
    except Exception:  # any failure to reach it: the reason is in the readiness probe
        raise DomainError("service_unavailable", "Background processing is unavailable right now; "
                          "nothing was stored. Try again in a minute.", http_status=503, retryable=True) from None


CHECKS: dict[str, Callable[[], Awaitable[None]]] = {
    "database": sync_to_async(_check_database),
    "channel_layer": _check_channel_layer,
    "broker": lambda: asyncio.to_thread(check_broker),
}


async def _outcome(check: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"error: no answer within {CHECK_TIMEOUT_SECONDS} s"
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


async def readyz(request: HttpRequest) -> JsonResponse:
    outcomes = await asyncio.gather(*(_outcome(check) for check in CHECKS.values()))
    results = dict(zip(CHECKS, outcomes))
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ready" if ready else "not_ready", "checks": results}, status=200 if ready else 503)
