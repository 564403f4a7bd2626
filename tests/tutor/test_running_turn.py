"""One turn runs at a time per session, whichever socket or process started it; a turn whose
process died (its text not saved for TURN_ORPHAN_SECONDS) is ended with what it had saved."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app import actions
from sessions_app.context import TutorContext
from sessions_app.models import TutorSession
from tutor_project.web.errors import DomainError


def stored(session) -> list[tuple[str, str]]:
    return list(session.events.order_by("seq").values_list("type", "turn_id"))


def test_a_running_turn_refuses_another_until_it_ends(tutor_session):
    actions.start_turn(tutor_session, turn_id="t-1", in_reply_to="next")
    with pytest.raises(DomainError) as refused:
        actions.receive_learner_message(tutor_session, client_id="m1", text="Hello?", turn_id="t-2")
    assert (refused.value.code, refused.value.retryable) == ("turn_in_progress", True)
    assert stored(tutor_session) == [("turn.started", "t-1")]  # nothing of the refused one
    actions.finish_turn(tutor_session, TutorContext(), turn_id="t-1", kind="explanation", status="complete",
                        text="Done.")
    actions.receive_learner_message(tutor_session, client_id="m1", text="Hello?", turn_id="t-2")
    assert TutorSession.objects.get(pk=tutor_session.pk).running_turn_id == "t-2"


def test_a_turn_orphaned_by_a_crash_ends_with_its_saved_text_before_the_next_starts(tutor_session):
    actions.start_turn(tutor_session, turn_id="t-old", in_reply_to="next")
    actions.save_turn_texts({tutor_session.pk: ("t-old", "Half a sent")})
    TutorSession.objects.filter(pk=tutor_session.pk).update(
        running_saved_at=timezone.now() - timedelta(seconds=actions.TURN_ORPHAN_SECONDS + 1))
    actions.receive_learner_message(tutor_session, client_id="m1", text="Hello?", turn_id="t-new")
    assert stored(tutor_session) == [("turn.started", "t-old"), ("error", "t-old"), ("turn.completed", "t-old"),
                                     ("turn.started", "t-new")]
    ended = tutor_session.events.get(type="turn.completed").payload
    assert (ended["status"], ended["content"]["text"]) == ("failed", "Half a sent")
    messages = list(tutor_session.messages.order_by("seq").values_list("role", "text"))
    assert messages == [("tutor", "Half a sent"), ("learner", "Hello?")]
    assert TutorSession.objects.get(pk=tutor_session.pk).running_turn_id == "t-new"


def test_a_late_end_of_a_replaced_turn_leaves_the_new_turn_running(tutor_session):
    actions.start_turn(tutor_session, turn_id="t-old", in_reply_to="next")
    TutorSession.objects.filter(pk=tutor_session.pk).update(running_saved_at=timezone.now() - timedelta(minutes=5))
    actions.start_turn(tutor_session, turn_id="t-new", in_reply_to="next")
    actions.save_turn_texts({tutor_session.pk: ("t-old", "a late save from the old turn")})
    actions.finish_turn(tutor_session, TutorContext(), turn_id="t-old", kind="explanation", status="complete",
                        text="Late.")
    row = TutorSession.objects.get(pk=tutor_session.pk)
    assert (row.running_turn_id, row.running_text) == ("t-new", "")


def test_running_texts_are_saved_in_one_go_and_only_into_their_own_turn(tutor_session, folder, learner):
    other = actions.start_session(learner, folder)
    actions.start_turn(tutor_session, turn_id="t-a", in_reply_to="next")
    actions.start_turn(other, turn_id="t-b", in_reply_to="next")
    actions.save_turn_texts({tutor_session.pk: ("t-a", "Plants make"), other.pk: ("t-stale", "not this")})
    saved = dict(TutorSession.objects.filter(pk__in=[tutor_session.pk, other.pk]).values_list("pk", "running_text"))
    assert saved == {tutor_session.pk: "Plants make", other.pk: ""}
