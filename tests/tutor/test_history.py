"""The remembered conversation stays bounded: old exchanges fold into a summary."""
from __future__ import annotations

from sessions_app.context import TutorContext
from sessions_app.tutor.history import KEEP_ENTRIES, add_exchange, transcript_for_teacher


def test_it_folds_old_exchanges_into_the_summary_and_keeps_recent_ones_verbatim():
    context = TutorContext()
    for n in range(KEEP_ENTRIES):
        add_exchange(context, f"Question {n}? More words here.", f"Answer {n}. Details follow here.")
    assert len(context.history) <= KEEP_ENTRIES
    assert "Learner: Question 0?" in context.summary and "Tutor: Answer 0." in context.summary
    assert "Details follow" not in context.summary  # only the gist of folded entries
    assert context.history[-1].content == f"Answer {KEEP_ENTRIES - 1}. Details follow here."
    TutorContext.model_validate(context.model_dump())  # still a valid, storable context
    turns = transcript_for_teacher(context)
    assert turns[0].kind == "summary" and "Question 0?" in turns[0].text
    assert turns[-1].text == context.history[-1].content
