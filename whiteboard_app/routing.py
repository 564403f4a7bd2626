from django.urls import path

from whiteboard_app.autobahn_logs import skip_unused_log_formatting
from whiteboard_app.consumers import WhiteboardConsumer

skip_unused_log_formatting()  # per-frame cost of every socket the server carries

websocket_urlpatterns = [
    path("ws/whiteboard/<int:session_id>/", WhiteboardConsumer.as_asgi()),
]
