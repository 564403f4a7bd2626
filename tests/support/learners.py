"""Simulated learners (issue 14): personas that run whole lessons over the real tutor socket,
and the invariants every lesson must keep. Used by tests/tutor/test_simulated_learners.py and
bench/simulated_learners.py.

A persona sees what a learner sees (the frames) plus the answer key of the question shown,
read from the database, so "always right" can be right. A lesson runs until its first
`summary` turn, or until it has gone on for far longer than its plan allows.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.tutor.client import Frame, TutorClient

RATE_LIMITS = frozenset({"rate_limited", "turn_rate_limited"})
LESSON_TURNS = ("next", "quiz.answer")  # the turns whose move the tutor chooses (help, pace, messages are asides)
HELP_MODES = ("stuck", "example", "simpler")
IDLE_SECONDS = 0.05
TURN_TIMEOUT = 20.0


@dataclass(frozen=True)
class Key:
    """The answer to a question: its right option, or its reference answer."""

    correct_index: int | None
    reference: str


AnswerKey = Callable[[int], Key]


@dataclass
class View:
    """What the persona decides from."""

    step: int
    question: Frame | None  # the question waiting for an answer, as sent
    key: Key | None
    answers: int  # answers given so far
    sentences: list[str]  # the document's own sentences, for learners who ask their own questions
    rng: random.Random


def answer(view: View, right: bool) -> Frame:
    question, key = view.question, view.key
    assert question is not None and key is not None
    if question["kind"] == "mcq":
        index = key.correct_index if right else (key.correct_index + 1) % len(question["options"])
        return {"type": "quiz.answer", "question_id": question["id"], "option_index": index}
    return {"type": "quiz.answer", "question_id": question["id"], "text": key.reference if right else "I am not sure."}


def own_question(view: View) -> Frame:
    sentence = view.rng.choice(view.sentences) if view.sentences else "the main idea"
    subject = " ".join(sentence.split()[:6]).rstrip(".,;:")
    return {"type": "user.message", "client_id": f"q-{view.step}", "text": f"Can you explain this: {subject}?"}


NEXT: Frame = {"type": "next"}


def always_right(v: View) -> Frame:
    return answer(v, True) if v.question else NEXT


def always_wrong(v: View) -> Frame:
    return answer(v, False) if v.question else NEXT


def alternating(v: View) -> Frame:
    return answer(v, v.answers % 2 == 0) if v.question else NEXT


def random_learner(v: View) -> Frame:
    roll = v.rng.random()
    if roll < 0.12:
        return {"type": "help", "mode": v.rng.choice(HELP_MODES)}
    if roll < 0.2:
        return own_question(v)
    if v.question and roll < 0.9:
        return answer(v, v.rng.random() < 0.5)
    return NEXT


def helps_every_other_turn(v: View) -> Frame:
    if v.step % 2:
        return {"type": "help", "mode": HELP_MODES[(v.step // 2) % 3]}
    return always_right(v)


PACES = (0.5, 1.5, 0.75, 1.25, 1.0)


def changes_pace(v: View) -> Frame:
    if v.step % 4 == 1:
        return {"type": "pace", "value": PACES[(v.step // 4) % len(PACES)]}
    return always_right(v)


def asks_own_questions(v: View) -> Frame:
    return own_question(v) if v.step % 3 == 2 else always_right(v)


def struggling(v: View) -> Frame:
    """Misses two answers in three and asks for help every third turn."""
    if v.step % 3 == 2:
        return {"type": "help", "mode": HELP_MODES[(v.step // 3) % 3]}
    return answer(v, v.answers % 3 == 2) if v.question else NEXT


def idle_then_next(v: View) -> Frame:
    time.sleep(IDLE_SECONDS)  # says nothing for a while, never answers, then moves on
    return NEXT


@dataclass(frozen=True)
class Persona:
    name: str
    act: Callable[[View], Frame]
    mastery: str | None = None  # "up" / "down": where every mastery change must go


PERSONAS = {p.name: p for p in [
    Persona("always_right", always_right, "up"),
    Persona("always_wrong", always_wrong, "down"),
    Persona("alternating", alternating),
    Persona("random", random_learner),
    Persona("help_every_other", helps_every_other_turn),
    Persona("changes_pace", changes_pace),
    Persona("own_questions", asks_own_questions),
    Persona("idle_then_next", idle_then_next),
    Persona("struggling", struggling),
]}


@dataclass
class Turn:
    in_reply_to: str
    said: str  # what the learner sent, in words
    kind: str
    status: str
    text: str
    content: dict[str, Any]


@dataclass
class Lesson:
    persona: str
    concepts: int = 0  # in the plan
    turns: list[Turn] = field(default_factory=list)
    errors: list[Frame] = field(default_factory=list)
    mastery_changes: list[dict[str, Any]] = field(default_factory=list)
    questions: int = 0
    ended: bool = False
    mastery: dict[str, float] = field(default_factory=dict)  # final, per concept

    @property
    def summaries(self) -> int:
        return sum(t.kind == "summary" for t in self.turns)

    def mastered_share(self, at: float = 0.95) -> float:
        return sum(v >= at for v in self.mastery.values()) / len(self.mastery) if self.mastery else 0.0


def plan_concepts(plan: dict | None) -> int:
    if not plan:
        return 0
    return len({c for section in plan["sections"] for o in section["objectives"] for c in o["concepts"]})


def run_lesson(client: TutorClient, persona: Persona, key: AnswerKey, sentences: list[str], *,
               seed: int = 0, max_turns: int | None = None) -> Lesson:
    """Play one lesson to its ending (or to `max_turns` tutor turns: by default 8 per concept, more
    than a learner who misses every question needs, plus 40 for asides)."""
    lesson, rng = Lesson(persona.name), random.Random(seed)
    client.send({"type": "hello", "resume_from": 0})
    lesson.concepts = plan_concepts(client.until_type("session.state")[-1]["plan"])
    question: Frame | None = None
    step, answers = seed, 0  # the seed shifts each persona's rhythm (when it asks for help, changes pace...)
    while not lesson.ended and len(lesson.turns) < (max_turns or 8 * max(lesson.concepts, 5) + 40):
        view = View(step, question, key(question["id"]) if question else None, answers, sentences, rng)
        frame = persona.act(view)
        turn = _play(client, frame, lesson)
        step += 1
        if turn is None:
            continue
        answers += frame["type"] == "quiz.answer"
        if "option_index" in frame and question:
            turn.said = f"answers “{question['options'][frame['option_index']]}”"
        lesson.concepts = lesson.concepts or plan_concepts(turn.content.get("plan"))
        if turn.kind == "question":
            lesson.questions += 1
            question = turn.content["_question"]
        elif turn.kind == "feedback":
            question = None
        lesson.ended = turn.kind == "summary"
    return lesson


def _play(client: TutorClient, frame: Frame, lesson: Lesson) -> Turn | None:
    """Send one frame and read until its turn completes (resending after a rate limit); None if
    it was answered by an error."""
    for _ in range(50):
        client.send(frame)
        started: dict[str, str] = {}
        shown: Frame | None = None
        while True:
            try:
                got = client.recv(TURN_TIMEOUT)
            except TimeoutError:
                raise AssertionError(f"no reply to {frame} in {TURN_TIMEOUT:g} s; frames since: "
                                     f"{client.frames[-5:]}\n{transcript(lesson)}") from None
            if got["type"] == "turn.started":
                started[got["turn_id"]] = got["in_reply_to"]
            elif got["type"] == "question":
                shown = got["question"]
            elif got["type"] == "mastery.updated":
                lesson.mastery_changes.extend(got["changes"])
                lesson.mastery.update({c["concept"]: c["after"] for c in got["changes"]})
            elif got["type"] == "error" and got.get("turn_id"):
                lesson.errors.append(got)  # a turn failed: its turn.completed follows
            elif got["type"] == "error" and got["code"] in RATE_LIMITS:
                time.sleep(0.5)
                break  # the frame was dropped: send it again
            elif got["type"] == "error":
                lesson.errors.append(got)
                return None
            elif got["type"] == "turn.completed" and got["turn_id"] in started:
                content = dict(got["content"])
                if shown is not None:
                    content["_question"] = shown
                turn = Turn(started[got["turn_id"]], _said(frame), got["kind"], got["status"], content.get("text", ""),
                            content)
                lesson.turns.append(turn)
                return turn
    raise AssertionError(f"{frame['type']} stayed rate limited")


def transcript(lesson: Lesson, limit: int = 200) -> str:
    """The lesson's tutor turns, one a line: what they replied to, their kind and text."""
    return "\n".join(f"{i:>3} {t.in_reply_to:<12} {t.kind:<11} {t.text[:limit]}" for i, t in enumerate(lesson.turns))


def _said(frame: Frame) -> str:
    if frame["type"] == "quiz.answer":
        return f"answers {frame.get('option_index', frame.get('text'))!r}"
    if frame["type"] == "user.message":
        return frame["text"]
    return " ".join(str(v) for v in frame.values())


# --- the invariants ---------------------------------------------------------------------------


def violations(lesson: Lesson, persona: Persona) -> list[str]:
    """Every broken invariant of one lesson, described."""
    found: list[str] = []
    found += _repeats(lesson)
    found += _question_gaps(lesson)
    found += _backward_moves(lesson)
    if not lesson.ended:
        found.append(f"no ending after {len(lesson.turns)} turns")
    if lesson.summaries != 1:
        found.append(f"{lesson.summaries} summaries")
    if persona.name == "always_right" and lesson.ended:
        before = len(lesson.turns) - 1
        if before > 3 * lesson.concepts:
            found.append(f"always right: {before} turns for {lesson.concepts} concepts")
    found += [f"error {e['code']}: {e.get('message', '')}" for e in lesson.errors if e["code"] not in RATE_LIMITS]
    found += [f"turn {t.in_reply_to} {t.status}" for t in lesson.turns if t.status != "complete"]
    if persona.mastery:
        wrong_way = [c for c in lesson.mastery_changes
                     if (c["after"] < c["before"] if persona.mastery == "up" else c["after"] > c["before"])]
        found += [f"mastery of {c['concept']} went {c['before']:.2f} -> {c['after']:.2f}" for c in wrong_way]
    return found


def _repeats(lesson: Lesson) -> list[str]:
    texts = [t.text for t in lesson.turns]
    return [f"turn {i} repeats one of the three before: {text[:80]!r}"
            for i, text in enumerate(texts) if text in texts[max(0, i - 3):i]]


def _question_gaps(lesson: Lesson) -> list[str]:
    """Before the ending, the turns the tutor chooses bring a question at least every four."""
    found, run = [], 0
    for i, turn in enumerate(lesson.turns):
        if turn.kind == "summary":
            break
        if turn.kind == "question":
            run = 0
        elif turn.in_reply_to in LESSON_TURNS:
            run += 1
            if run == 4:
                found.append(f"four lesson turns without a question up to turn {i}")
    return found


def _backward_moves(lesson: Lesson) -> list[str]:
    found, last = [], (0, 0)
    for i, turn in enumerate(lesson.turns):
        where = turn.content.get("lesson")
        if not where or where.get("review") or where.get("concept") is None:
            continue
        here = (where["objective"], where["concept_index"])
        if here < last:
            found.append(f"turn {i} moved back from {last} to {here}")
        last = here
    return found
