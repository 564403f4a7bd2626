"""WebSocket routes of every app, in one list."""
from sessions_app import routing as sessions_routing
from tutor_project.autobahn_costs import skip_unused_frame_work
from whiteboard_app import routing as whiteboard_routing

skip_unused_frame_work()  # per-frame costs of every socket the server carries

websocket_urlpatterns: list = [*sessions_routing.websocket_urlpatterns, *whiteboard_routing.websocket_urlpatterns]
