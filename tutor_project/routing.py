"""WebSocket routes of every app, in one list."""
from sessions_app import routing as sessions_routing
from whiteboard_app import routing as whiteboard_routing

websocket_urlpatterns: list = [*sessions_routing.websocket_urlpatterns, *whiteboard_routing.websocket_urlpatterns]
