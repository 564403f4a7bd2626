from django.urls import re_path

from whiteboard_app.consumers import WhiteboardConsumer

# Any id, with or without the trailing slash: the consumer refuses one that is not a
# session id with 4404 instead of the router failing the handshake (HTTP 500).
websocket_urlpatterns = [
    re_path(r"^ws/whiteboard/(?P<session_id>[^/]+)/?$", WhiteboardConsumer.as_asgi()),
]
