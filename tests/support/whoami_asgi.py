"""A tiny ASGI app behind the product's JWT middleware, for testing the middleware
itself in a real Daphne process: it answers an authenticated socket with the
username it was given and closes normally."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor_project.settings")
get_asgi_application()

from tutor_project.realtime.ws_auth import JWTAuthMiddleware  # noqa: E402


async def whoami(scope, receive, send):  # type: ignore[no-untyped-def]
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": scope["user"].username})
    await send({"type": "websocket.close", "code": 1000})


application = JWTAuthMiddleware(whoami)
