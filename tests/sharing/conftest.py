"""A shared session: its owner (ada), an editor, a viewer and an outsider, built through the real actions."""
from __future__ import annotations

from datetime import timedelta

import pytest

from sessions_app import actions


@pytest.fixture
def shared(learner, other_learner):
    folder = actions.create_folder(learner, name="Optics")
    session = actions.start_session(learner, folder)
    editor = actions.register_learner(username="edith", password="editor-long-secret-7")
    viewer = actions.register_learner(username="victor", password="viewer-long-secret-7")
    for user, role in ((editor, "editor"), (viewer, "viewer")):
        actions.accept_invite(actions.create_invite(session, role=role, expires_in=timedelta(days=1)), user)
    return {"session": session, "owner": learner, "editor": editor, "viewer": viewer, "outsider": other_learner}
