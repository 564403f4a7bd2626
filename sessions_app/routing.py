"""WebSocket routes of sessions_app."""
from django.urls import re_path

from sessions_app.tutor.consumer import TutorConsumer

# Any last segment: the consumer answers a malformed id with 4404, like a missing session.
websocket_urlpatterns = [re_path(r"^ws/tutor/(?P<session_id>[^/]+)/$", TutorConsumer.as_asgi())]
