"""A turn's last words go out with its turn.completed, in one write after every delta sent
before; an ending that fails keeps them for the retry, so the deltas still add up to the text."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from sessions_app import actions, turn_writes, turns
from sessions_app.models import SessionEvent, TutorSession
from tutor_project.web.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def events_of(session: TutorSession) -> list[tuple[str, str]]:
    """(type, the delta's text or the turn's status) of every event after the session started."""
    rows = SessionEvent.objects.filter(session=session, type__in=["text.delta", "error", "turn.completed"])
    return [(row.type, row.payload.get("text") or row.payload.get("status") or row.payload.get("code"))
            for row in rows.order_by("seq")]


async def two_pieces(turn: turns.Turn) -> None:
    assert turn.writer is not None
    await turn.writer.add("Leaves ")  # the first piece is stored at once
    await turn.writer.add("use light.")  # this one waits for the coalescing window
    await turn.finish(turn.writer.text)


def run_turn(session: TutorSession) -> None:
    async def scenario() -> None:
        turn = turns.Turn(session.pk, session.learner_id, "t-1", "c-1")
        await turns.run(turn, two_pieces)

    async_to_sync(scenario)()


def test_the_unsent_text_goes_out_just_before_turn_completed(folder, learner):
    session = actions.start_session(learner, folder)
    run_turn(session)
    assert events_of(session) == [("text.delta", "Leaves "), ("text.delta", "use light."),
                                  ("turn.completed", "complete")]


def test_an_ending_that_fails_leaves_its_unsent_text_to_the_next_try(folder, learner, monkeypatch):
    session = actions.start_session(learner, folder)
    real, tries = turn_writes.finish_turn, []

    async def failing_once(*args, **kwargs) -> None:  # noqa: ANN002, ANN003
        tries.append(kwargs["status"])
        if len(tries) == 1:
            raise DomainError("internal_error", "The database went away.", retryable=True)
        await real(*args, **kwargs)

    monkeypatch.setattr(turn_writes, "finish_turn", failing_once)
    run_turn(session)
    assert tries == ["complete", "failed"]
    assert events_of(session) == [("text.delta", "Leaves "), ("text.delta", "use light."),
                                  ("error", "internal_error"), ("turn.completed", "failed")]
