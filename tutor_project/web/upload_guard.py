"""Uploads are answered from their headers before their body is read (SPEC 12).

ASGI middleware in front of Django, for the one route that takes files: a request
without a valid token gets 401 and one whose Content-Length is over
UPLOAD_MAX_REQUEST_BYTES gets 413, both in the API's JSON error format, without
Django parsing a byte of the body. A body sent without Content-Length (chunked) is
read here up to the limit, spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE, and cut
off with 413 past it. Django then streams what it accepts to disk as usual (its
ASGI handler and upload handlers); DRF still authenticates the request itself.

Why ASGI and not a Django upload handler: Django's ASGI handler reads the whole body
into its spool before any handler or middleware runs, so only something in front
of it can answer first.
"""
from __future__ import annotations

import json
import re
import tempfile
from typing import IO, Any

from django.conf import settings

from tutor_project.realtime.database import db
from tutor_project.realtime.ws_auth import Scope, bearer_token, user_for_token

UPLOAD_PATH = re.compile(r"^/api/v1/folders/[^/]+/documents/$")
REPLAY_CHUNK_BYTES = 65_536


class UploadGuard:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not UPLOAD_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        refusal = await _refusal(scope)
        if refusal is not None:
            await send_error(send, *refusal)
            return
        if _header(scope, b"content-length") is None:
            body = await _spool(receive, settings.UPLOAD_MAX_REQUEST_BYTES)
            if body is None:
                await send_error(send, *too_large())
                return
            # Django's multipart parser reads exactly Content-Length bytes; now it is known.
            size = body.seek(0, 2)
            body.seek(0)
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"transfer-encoding"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(size).encode())]}
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _refusal(scope: Scope) -> tuple[int, str, str] | None:
    token = bearer_token(scope)
    if token is None:
        return 401, "not_authenticated", "Authentication credentials were not provided."
    if await db(user_for_token)(token) is None:
        return 401, "token_not_valid", "Given token not valid for any token type"
    raw_length = _header(scope, b"content-length")
    if raw_length is None:
        return None
    if not raw_length.isdigit():
        return 400, "invalid", "Content-Length must be a number of bytes."
    if int(raw_length) > settings.UPLOAD_MAX_REQUEST_BYTES:
        return too_large()
    return None


def too_large() -> tuple[int, str, str]:
    limit = settings.UPLOAD_MAX_REQUEST_BYTES
    return 413, "too_large", f"A request body may carry at most {limit:,} bytes."


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def error_body(code: str, detail: str) -> bytes:
    """The one JSON error format of the API (tutor_project.web.api)."""
    return json.dumps({"code": code, "detail": detail}).encode()


async def send_error(send: Any, status: int, code: str, detail: str) -> None:
    """An API error in the one JSON format, sent straight on ASGI."""
    body = error_body(code, detail)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="api"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _spool(receive: Any, limit: int) -> IO[bytes] | None:
    """The body, in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and on disk past it; None
    as soon as it passes `limit` (the rest is never read)."""
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            spool.close()
            return None
        size += len(message.get("body", b""))
        if size > limit:
            spool.close()
            return None
        spool.write(message.get("body", b""))
        more = message.get("more_body", False)
    spool.seek(0)
    return spool


def _replay(body: IO[bytes], receive: Any) -> Any:
    async def replayed() -> dict:
        if body.closed:
            return await receive()
        chunk = body.read(REPLAY_CHUNK_BYTES)
        more = len(chunk) == REPLAY_CHUNK_BYTES
        if not more:
            body.close()
        return {"type": "http.request", "body": chunk, "more_body": more}

    return replayed
