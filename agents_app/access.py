"""Ownership gate for background jobs."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from agents_app.models import Job
from tutor_project.web.ownership import get_or_404


def get_job_for_user(user: AbstractBaseUser, pk: object) -> Job:
    return get_or_404(Job.objects.filter(owner=user), pk)
