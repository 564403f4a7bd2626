"""The conversation a session remembers: recent exchanges verbatim, older ones folded
into a running summary so the stored context stays bounded however long the session."""
from __future__ import annotations

from agents_app.schemas import TranscriptTurn
from agents_app.text import sentences
from sessions_app.context import HistoryEntry, TutorContext

KEEP_ENTRIES = 40  # beyond this, the oldest half is folded into the summary
ENTRY_CHARS = 8_000
SUMMARY_CHARS = 12_000
SUMMARY_LINE_CHARS = 200


def add_exchange(context: TutorContext, learner: str, tutor: str) -> None:
    if learner:
        context.history.append(HistoryEntry(role="user", content=learner[:ENTRY_CHARS]))
    if tutor:
        context.history.append(HistoryEntry(role="assistant", content=tutor[:ENTRY_CHARS]))
    if len(context.history) > KEEP_ENTRIES:
        fold(context, keep=KEEP_ENTRIES // 2)


def fold(context: TutorContext, *, keep: int) -> None:
    """Replace all but the last `keep` entries by one line each in the summary: the first sentence."""
    old, context.history = context.history[:-keep], context.history[-keep:]
    lines = [f"{'Learner' if e.role == 'user' else 'Tutor'}: {_gist(e.content)}" for e in old]
    context.summary = "\n".join(filter(None, [context.summary, *lines]))[-SUMMARY_CHARS:]


def _gist(text: str) -> str:
    first = next(iter(sentences(text)), text)
    return first[:SUMMARY_LINE_CHARS]


def recent_replies(context: TutorContext, count: int = 3) -> list[str]:
    """The tutor's last `count` replies, word for word."""
    return [e.content for e in context.history if e.role == "assistant"][-count:]


def transcript_for_teacher(context: TutorContext) -> list[TranscriptTurn]:
    turns = [TranscriptTurn(role="learner" if e.role == "user" else "tutor", text=e.content)
             for e in context.history if e.role in ("user", "assistant")]
    if context.summary:
        turns.insert(0, TranscriptTurn(role="tutor", kind="summary",
                                       text=f"(Summary of our earlier conversation)\n{context.summary}"))
    return turns
