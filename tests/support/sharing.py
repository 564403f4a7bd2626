"""A session shared with an editor and a viewer, built through the real actions (SPEC 11)."""
from __future__ import annotations

from datetime import timedelta

from sessions_app import actions
from sessions_app.models import TutorSession


def share(session: TutorSession) -> dict:
    """An editor (edith) and a viewer (victor) join `session` through invites; both users."""
    people = {}
    for name, role in (("edith", "editor"), ("victor", "viewer")):
        user = actions.register_learner(username=name, password=f"{role}-long-secret-7")
        actions.accept_invite(actions.create_invite(session, role=role, expires_in=timedelta(days=1)), user)
        people[role] = user
    return people
