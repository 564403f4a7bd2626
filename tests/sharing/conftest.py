"""A shared session: its owner (ada), an editor, a viewer and an outsider, built through the real actions."""
from __future__ import annotations

import pytest

from sessions_app import actions
from tests.support.sharing import share


@pytest.fixture
def shared(learner, other_learner):
    session = actions.start_session(learner, actions.create_folder(learner, name="Optics"))
    return {"session": session, "owner": learner, "outsider": other_learner, **share(session)}
