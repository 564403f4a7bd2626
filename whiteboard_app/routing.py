from django.urls import path

from whiteboard_app.consumers import WhiteboardConsumer

websocket_urlpatterns = [
    path("ws/whiteboard/<int:session_id>/", WhiteboardConsumer.as_asgi()),
]
