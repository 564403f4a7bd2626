"""REST endpoints of agents_app."""
from __future__ import annotations

from rest_framework import generics

from agents_app.access import get_job_for_user
from agents_app.serializers import JobSerializer


class JobDetailView(generics.RetrieveAPIView):
    serializer_class = JobSerializer

    def get_object(self):  # type: ignore[no-untyped-def]
        return get_job_for_user(self.request.user, self.kwargs["pk"])
