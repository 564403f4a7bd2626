"""Where a lesson is and how a decision moves it: the policy's state read from the session's
context, the decision's new stage and its effect on the position in the plan (next concept,
review later, the review after the summary), and what a lesson turn says about it. Plain
functions over the context and mastery, no I/O."""
from __future__ import annotations

import re

from agents_app import lesson_text, policy, schemas
from agents_app.agents import planner
from agents_app.concepts import phrase_key, with_article
from agents_app.mastery import MASTERED
from sessions_app.context import TutorContext
from sessions_app.tutor.turns import Lesson

REVIEW_CONCEPTS = 3  # how many of the weakest concepts a review after the summary goes through
WAITING = (policy.Stage.CHECK, policy.Stage.RECHECK)


def stage(context: TutorContext) -> policy.Stage:
    """The stored stage, made consistent with the waiting question (a context written before
    the stages existed has none)."""
    waiting = context.pending_question_id is not None
    if waiting and context.stage not in WAITING:
        return policy.Stage.CHECK
    if not waiting and context.stage in WAITING:
        return policy.Stage.TEACH
    return context.stage


def policy_state(lesson: Lesson, event: policy.Event, help_mode: str | None, *, askable: bool = True,
                 retry_askable: bool = True) -> policy.TutorState:
    context = lesson.context
    concept = context.concept()
    return policy.TutorState(
        stage=stage(context), event=event, help_mode=help_mode, has_concept=concept is not None,
        concept_mastery=lesson.mastery.get(concept or "", 0.0), pace=context.pace,
        explanations_since_question=context.explanations_since_question,
        lesson_turns_since_question=context.lesson_turns_since_question, askable=askable,
        retry_askable=retry_askable,
    )


def asks_whether_askable(context: TutorContext, event: policy.Event) -> bool:
    """Whether the decision may turn on the concept having a question source: a `next` after its
    first explanation, at a pace that would explain again."""
    concept = context.concept()
    return (event is policy.Event.NEXT and stage(context) is policy.Stage.TEACH and concept in context.covered
            and 1 <= context.explanations_since_question < policy.explanations_before_question(context.pace))


def asks_whether_retry_askable(context: TutorContext, event: policy.Event) -> bool:
    """Whether the decision may turn on a new, easier question being left: a `next` after a miss."""
    return event is policy.Event.NEXT and stage(context) is policy.Stage.SIMPLER and context.concept() is not None


def count_lesson_turn(context: TutorContext) -> None:
    """A reply to `next` or to an answer: one more lesson turn since the last question (asking
    one sets the count back to zero). The policy asks once the count would reach four."""
    context.lesson_turns_since_question += 1


def apply(lesson: Lesson, decision: policy.Decision) -> None:
    """The decision's new stage and its effect on the position in the plan."""
    context = lesson.context
    context.stage = decision.stage
    if decision.effect is policy.Effect.REVIEW_LATER and (concept := context.concept()):
        context.review_later = [*dict.fromkeys([*context.review_later, concept])]
    if decision.effect in (policy.Effect.ADVANCE, policy.Effect.REVIEW_LATER):
        context.concept_position += 1
        skip_done(lesson)
    elif decision.effect is policy.Effect.START_REVIEW:
        _start_review(lesson)


def skip_done(lesson: Lesson) -> None:
    """Move past mastered concepts and finished objectives to the next concept to teach (none
    at the end of the plan or of the review)."""
    context = lesson.context
    context.explanations_since_question = 0
    while context.focus is not None:
        concept = context.concept()
        if concept is None:
            if context.reviewing:
                context.focus, context.reviewing = None, False
                return
            context.done_objectives.append(context.focus.objective_id)
            set_focus(lesson)
        elif lesson.mastery.get(concept, 0.0) >= MASTERED and not context.reviewing:
            context.concept_position += 1
        else:
            return


def _start_review(lesson: Lesson) -> None:
    """After the summary: the weakest concepts become the concepts to teach."""
    context = lesson.context
    weakest = lesson_text.weakest_concepts(context.covered, lesson.mastery, context.review_later,
                                           mastered_at=MASTERED)[:REVIEW_CONCEPTS]
    # All mastered: go over the least sure ones again rather than end again with the same words.
    weakest = weakest or sorted(context.covered, key=lambda c: lesson.mastery.get(c, 0.0))[:REVIEW_CONCEPTS]
    context.focus = schemas.FocusObjective(objective_id="review", title="Review", concepts=weakest,
                                           difficulty="easy", position=context.plan_position)
    context.reviewing, context.review_later = True, []
    context.concept_position = context.explanations_since_question = 0
    if not weakest:
        context.focus = None


def set_focus(lesson: Lesson) -> None:
    context = lesson.context
    assert context.plan is not None
    focus = planner.choose_focus(context.plan, lesson.mastery, context.pace, set(context.done_objectives))
    context.focus = focus
    context.focus_objective = focus.title if focus else ""
    context.plan_position = focus.position if focus else context.plan_position
    context.concept_position = context.explanations_since_question = context.help_requests = 0


def position(context: TutorContext) -> dict:
    """Where the lesson is, sent with every lesson turn (the web app shows it; tests check it
    only moves forward outside a review)."""
    return {"objective": context.plan_position, "concept_index": context.concept_position,
            "concept": context.concept(), "stage": context.stage.value, "review": context.reviewing}


def concept_for_help(context: TutorContext) -> str | None:
    """The concept a help request is about: what was said last, so the one in focus once it
    has been explained, else the last one taught (help right after a missed answer is help
    with that answer's concept, not with the next one)."""
    current = context.concept()
    if current in context.covered or not context.covered:
        return current
    return context.covered[-1]


def introduces(context: TutorContext, concept: str) -> bool:
    """Whether explaining the concept now is its first explanation: that one always says what the
    concept is, even when its sentences were just said while explaining another."""
    return concept not in context.covered


def opening(context: TutorContext, concept: str, passages: list[schemas.ChunkRef]) -> str:
    """What a lesson turn that explains `concept` says first; `passages`, what it teaches from,
    say whether a sentence names the concept with "the" (agents_app.concepts.with_article)."""
    if context.reviewing:
        return f"Let us review {with_article(concept, _text(passages))}. "
    if context.explanations_since_question > 0 and not introduces(context, concept):
        return f"More on {concept}. "
    title = context.focus.title.split(" > ")[-1] if context.focus else ""  # the heading, not its path
    if context.concept_position == 0 and title:
        article, heading = re.match(r"((?:the|an?) )?(.*)", title, flags=re.IGNORECASE).groups()
        if phrase_key(heading) == phrase_key(concept) and len(heading.split()) == len(concept.split()):
            # The heading is the concept ("The immune system"): said once, with its article.
            return f"Let us start with {(article or '').lower()}{concept}. "
        return f"{title}: let us start with {with_article(concept, _text(passages))}. "
    return f"Next: {concept}. "


def _text(passages: list[schemas.ChunkRef]) -> str:
    return " ".join(p.text for p in passages)
