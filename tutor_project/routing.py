"""WebSocket routes of every app, in one list."""
from sessions_app import routing as sessions_routing
from sessions_app.daphne_close import allow_server_close_codes
from whiteboard_app import routing as whiteboard_routing

allow_server_close_codes()

websocket_urlpatterns: list = [*sessions_routing.websocket_urlpatterns, *whiteboard_routing.websocket_urlpatterns]
