"""The shared delta writer: deltas of many sessions stored together, each session's seqs
gap-free and in order, and one session's failure never loses another's deltas."""
from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync

from sessions_app import actions, events
from sessions_app.models import SessionEvent, TutorSession


def stored(session_id: int) -> list[tuple[int, str]]:
    return list(SessionEvent.objects.filter(session_id=session_id).order_by("seq").values_list("seq", "payload__text"))


@pytest.fixture
def two_sessions(folder, learner) -> tuple[TutorSession, TutorSession]:
    return actions.start_session(learner, folder), actions.start_session(learner, folder)


@pytest.mark.django_db(transaction=True)
def test_it_numbers_a_batch_of_several_sessions_per_session_in_order(two_sessions):
    first, second = two_sessions
    frames = events.record_batch([(first.pk, "text.delta", {"turn_id": "t-1", "text": "a"}),
                                  (second.pk, "text.delta", {"turn_id": "t-2", "text": "b"}),
                                  (first.pk, "text.delta", {"turn_id": "t-1", "text": "c"})])
    assert [(f["seq"], f["text"]) for f in frames] == [(1, "a"), (1, "b"), (2, "c")]
    assert stored(first.pk) == [(1, "a"), (2, "c")] and stored(second.pk) == [(1, "b")]
    assert TutorSession.objects.get(pk=first.pk).last_event_seq == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_deltas_are_stored_once_each_and_a_missing_session_fails_alone(two_sessions):
    first, second = two_sessions

    async def write_all() -> list:
        log = events.delta_log()
        writes = [log.record(session_id, turn_id="t", text=f"w{n}")
                  for n in range(5) for session_id in (first.pk, 10**9, second.pk)]
        return await asyncio.gather(*writes, return_exceptions=True)

    outcomes = async_to_sync(write_all)()
    assert all(isinstance(o, TutorSession.DoesNotExist) for o in outcomes[1::3])
    assert stored(first.pk) == stored(second.pk) == [(n + 1, f"w{n}") for n in range(5)]
