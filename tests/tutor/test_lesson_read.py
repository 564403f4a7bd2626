"""A turn's lesson read (turns.read_lesson): on PostgreSQL one statement on the loop's own
connection, giving exactly what the ORM's load_lesson gives; on SQLite load_lesson."""
from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db.models import Model

from sessions_app import actions
from sessions_app.context import TutorContext
from sessions_app.models import ConceptMastery, TutorSession
from sessions_app.turns import load_lesson, read_lesson

pytestmark = pytest.mark.django_db(transaction=True)


def fields_of(instance: Model) -> dict[str, Any]:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_it_reads_the_session_its_folder_context_and_mastery_as_the_orm_does(learner, folder):
    session = actions.start_session(learner, folder)
    TutorSession.objects.filter(pk=session.pk).update(
        context=TutorContext(pace=0.75, done_objectives=["o-1"], help_requests=2), turn_count=4)
    ConceptMastery.objects.create(learner=learner, folder=folder, concept="chlorophyll", p_known=0.8125)
    ConceptMastery.objects.create(learner=learner, folder=folder, concept="stomata", p_known=0.1)
    other = actions.start_session(learner, actions.create_folder(learner, name="Other"))
    ConceptMastery.objects.create(learner=learner, folder=other.folder, concept="elsewhere", p_known=0.5)

    by_orm, read = load_lesson(session.pk), async_to_sync(read_lesson)(session.pk)
    assert fields_of(read.session) == fields_of(by_orm.session)
    assert fields_of(read.session.folder) == fields_of(by_orm.session.folder)
    assert read.context == by_orm.context and read.context.pace == 0.75
    assert read.mastery == by_orm.mastery == {"chlorophyll": 0.8125, "stomata": 0.1}
    assert str(read.session.started_at.tzinfo) == str(by_orm.session.started_at.tzinfo)


def test_a_session_without_mastery_reads_none_and_a_missing_one_fails(learner, folder):
    session = actions.start_session(learner, folder)
    assert async_to_sync(read_lesson)(session.pk).mastery == {}
    with pytest.raises(TutorSession.DoesNotExist):
        async_to_sync(read_lesson)(10**9)
