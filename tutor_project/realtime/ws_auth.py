"""WebSocket authentication with JWT access tokens.

The token comes in the `token` query parameter (browsers cannot set headers on a
WebSocket) or an `Authorization: Bearer` header. A socket without a valid token is
accepted and then closed with 4401, so the client can tell "log in again" from a
network failure (rejecting before accept shows up as 1006 in browsers).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from tutor_project.realtime.database import db

CLOSE_UNAUTHENTICATED = 4401
# Both sockets tell "not yours" from "gone" (REST gives both the same 404); see sessions_app.access.
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

Scope = dict[str, Any]


def token_from_scope(scope: Scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    return bearer_token(scope)


def bearer_token(scope: Scope) -> str | None:
    """The credentials of an `Authorization: Bearer` header of an ASGI scope."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    return None


def user_for_token(raw_token: str) -> AbstractBaseUser | None:
    try:
        token = AccessToken(raw_token)
    except TokenError:
        return None
    user_id = token.get(api_settings.USER_ID_CLAIM)
    return get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}, is_active=True).first()


class JWTAuthMiddleware:
    """Sets scope["user"] for authenticated sockets; closes the rest with 4401."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        raw_token = token_from_scope(scope)
        user = await db(user_for_token)(raw_token) if raw_token else None
        if user is None:
            await _accept_and_close(receive, send, CLOSE_UNAUTHENTICATED)
            return
        await self.app({**scope, "user": user}, receive, send)


async def _accept_and_close(receive: Any, send: Any, code: int) -> None:
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code})
