"""ASGI entry point: HTTP through Django, WebSockets through Channels with JWT auth."""
import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor_project.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from tutor_project.routing import websocket_urlpatterns  # noqa: E402
from tutor_project.realtime.ws_auth import JWTAuthMiddleware  # noqa: E402
from tutor_project.web.daphne_requests import guard_daphne_requests  # noqa: E402
from tutor_project.web.upload_guard import UploadGuard  # noqa: E402

guard_daphne_requests()

application = ProtocolTypeRouter({
    "http": UploadGuard(django_asgi_app),
    "websocket": JWTAuthMiddleware(URLRouter(websocket_urlpatterns)),
})

# What is loaded by now (Django, the apps, the SDKs: about 200,000 objects) lives as long as
# the server. Left to the collector, every full collection walks it all, about 120 ms on
# our machines with every socket stalled meanwhile; frozen, those collections take a few
# tens of ms. Nothing here is garbage yet, so freezing it leaks nothing.
gc.freeze()
