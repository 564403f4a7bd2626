"""The compact board summary the LLM sees (SPEC 7), hard-bounded in characters.

It names what is drawn (one entry per group: what it is, where, its text, question and
concept tags), what the learner drew and on what, and counts by source and kind. When
the board is busier than the bound allows, the oldest groups and annotations are left
out first and ``omitted`` says how many, so the model never mistakes a cut for an
empty board.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable, Sequence

from pydantic import BaseModel, Field

from sessions_app.models import TutorSession
from whiteboard_app.board import BoardState
from whiteboard_app.history import board_state
from whiteboard_app.geometry import BOARD, Box, union
from whiteboard_app.spatial import SpatialIndex
from whiteboard_app.specs import ObjectSpec, bbox

DEFAULT_MAX_CHARS = 4000
MIN_MAX_CHARS = 600
TEXT_CHARS = 60
TEXTS_PER_GROUP = 6
TARGETS_PER_ANNOTATION = 3
# Share of the budget kept for learner annotations before groups take the rest.
ANNOTATION_SHARE = 0.35

# What a group is, judged by the most telling role among its members.
_WHAT_BY_ROLE = [
    ("question", "multiple-choice question"),
    ("mcq_feedback_mark", "answer feedback"),
    ("mcq_feedback_text", "answer feedback"),
    ("table_cell", "table"),
    ("table_header", "table"),
    ("flow_box", "flowchart"),
    ("graph", "function graph"),
    ("timeline_axis", "timeline"),
    ("tick_label_x", "coordinate plane"),
    ("axis_x", "axes"),
    ("formula", "formula"),
    ("leader", "labelled diagram"),
    ("main_shape", "shape"),
    ("arrow", "arrow"),
    ("text", "text"),
]


class GroupSummary(BaseModel):
    id: str
    what: str
    where: str
    box: tuple[int, int, int, int]
    kinds: dict[str, int]
    texts: list[str] = Field(default_factory=list)
    question_id: str | None = None
    concept: str | None = None
    turn_id: str | None = None
    source: str


class AnnotationSummary(BaseModel):
    id: str
    kind: str
    where: str
    box: tuple[int, int, int, int]
    text: str | None = None
    on: list[str] = Field(default_factory=list)


class Omitted(BaseModel):
    groups: int = 0
    annotations: int = 0
    invalid_entries: int = 0


class BoardSummary(BaseModel):
    objects_by_source: dict[str, int]
    objects_by_kind: dict[str, int]
    groups: list[GroupSummary]
    learner_annotations: list[AnnotationSummary]
    highlights: int
    pointers: int
    omitted: Omitted

    def as_text(self) -> str:
        """The same content as compact lines for a prompt; shorter than the JSON, as it
        drops the field names."""
        lines = [
            "board 1600x1000; objects by source: " + _pairs(self.objects_by_source)
            + "; by kind: " + _pairs(self.objects_by_kind),
        ]
        for g in self.groups:
            tags = "".join(f" {k}={v}" for k, v in (("question", g.question_id), ("concept", g.concept)) if v)
            texts = " | ".join(g.texts)
            lines.append(f"- {g.id}: {g.what} at {g.where} {list(g.box)}{tags}" + (f": {texts}" if texts else ""))
        for a in self.learner_annotations:
            on = f" on {', '.join(a.on)}" if a.on else ""
            lines.append(f"- learner {a.kind} {a.id} at {a.where} {list(a.box)}{on}" + (f": {a.text}" if a.text else ""))
        if self.highlights or self.pointers:
            lines.append(f"live: {self.highlights} highlights, {self.pointers} pointers")
        o = self.omitted
        if o.groups or o.annotations or o.invalid_entries:
            lines.append(f"left out: {o.groups} older groups, {o.annotations} older annotations, "
                         f"{o.invalid_entries} invalid entries")
        return "\n".join(lines)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _clip(text: str, limit: int = TEXT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def where(box: Box) -> str:
    """A coarse place name: top/middle/bottom and left/centre/right thirds."""
    cx, cy = box.center
    row = ("top", "middle", "bottom")[min(2, max(0, int(cy / (BOARD.height / 3))))]
    col = ("left", "centre", "right")[min(2, max(0, int(cx / (BOARD.width / 3))))]
    return f"{row} {col}"


def _describe(members: list[ObjectSpec]) -> str:
    roles = {m.metadata.role for m in members}
    return next((what for role, what in _WHAT_BY_ROLE if role in roles), members[0].kind)


def _content(spec: ObjectSpec) -> str | None:
    if spec.latex:
        return f"${_clip(spec.latex)}$"
    return _clip(spec.text) if spec.text else None


def _group_summary(group_id: str, members: list[ObjectSpec]) -> GroupSummary:
    frame = next((m for m in members if m.id == group_id and m.kind == "group"), None)
    box = bbox(frame) if frame else union(bbox(m) for m in members)
    # Reading order: top to bottom, then left to right.
    parts = sorted((m for m in members if m is not frame), key=lambda m: (round(m.y or 0), m.x or 0))
    texts = [t for t in (_content(m) for m in parts) if t]
    if len(texts) > TEXTS_PER_GROUP:
        texts = texts[:TEXTS_PER_GROUP] + [f"+{len(texts) - TEXTS_PER_GROUP} more"]
    first = members[0].metadata
    return GroupSummary(
        id=group_id, what=_describe(parts or members), where=where(box), box=box.rounded(),
        kinds=dict(Counter(m.kind for m in parts).most_common()), texts=texts,
        question_id=next((m.metadata.question_id for m in members if m.metadata.question_id), None),
        concept=first.concept, turn_id=first.turn_id, source=first.source,
    )


def _annotation_summary(spec: ObjectSpec, drawn: SpatialIndex) -> AnnotationSummary:
    box = bbox(spec)
    targets = sorted(drawn.query(box))
    if spec.metadata.linked_to and spec.metadata.linked_to not in targets:
        targets.insert(0, spec.metadata.linked_to)
    if len(targets) > TARGETS_PER_ANNOTATION:
        targets = targets[:TARGETS_PER_ANNOTATION] + [f"+{len(targets) - TARGETS_PER_ANNOTATION} more"]
    return AnnotationSummary(id=spec.id, kind=spec.metadata.role or spec.kind, where=where(box),
                             box=box.rounded(), text=_content(spec), on=targets)


def _age(spec: ObjectSpec) -> tuple[int, str]:
    return (spec.metadata.created_at or 0, spec.id)


def _assistant_groups(objects: Iterable[ObjectSpec]) -> list[GroupSummary]:
    groups: dict[str, list[ObjectSpec]] = defaultdict(list)
    for spec in objects:
        groups[spec.metadata.group_id or spec.id].append(spec)
    ordered = sorted(groups.items(), key=lambda item: min(_age(m) for m in item[1]))
    return [_group_summary(gid, members) for gid, members in ordered]


def summarize_board(state: BoardState, *, max_chars: int = DEFAULT_MAX_CHARS) -> BoardSummary:
    """The summary of a board, its JSON at most ``max_chars`` characters."""
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS}")
    objects = list(state.objects.values())
    assistant = [o for o in objects if o.metadata.source == "assistant"]
    learner = sorted((o for o in objects if o.metadata.source == "user"), key=_age)
    drawn = SpatialIndex()
    for spec in assistant:
        if spec.kind != "group":
            drawn.upsert(spec.id, bbox(spec))
    groups = _assistant_groups(assistant)
    annotations = [_annotation_summary(o, drawn) for o in learner]
    ephemeral = Counter(e.kind for e in state.ephemeral.values())
    summary = BoardSummary(
        objects_by_source=dict(Counter(o.metadata.source for o in objects).most_common()),
        objects_by_kind=dict(Counter(o.kind for o in objects).most_common()),
        groups=[], learner_annotations=[],
        highlights=ephemeral["highlight"], pointers=ephemeral["pointer"],
        omitted=Omitted(groups=len(groups), annotations=len(annotations), invalid_entries=len(state.invalid)),
    )
    return _fill(summary, groups, annotations, max_chars)


def _fill(
    summary: BoardSummary, groups: list[GroupSummary], annotations: list[AnnotationSummary], max_chars: int
) -> BoardSummary:
    """Add groups and annotations, most relevant first, while the JSON stays within the
    bound: annotations on drawn content before free-standing ones, newer before older."""
    # The omitted counters only shrink from here, so their room is already counted.
    budget = max_chars - len(summary.model_dump_json())
    note_order = sorted(range(len(annotations)), key=lambda i: (bool(annotations[i].on), i), reverse=True)
    group_order = list(reversed(range(len(groups))))
    notes, used = _fit(annotations, note_order, budget * ANNOTATION_SHARE)
    budget -= used
    kept_groups, used = _fit(groups, group_order, budget)
    budget -= used
    more_notes, _ = _fit(annotations, [i for i in note_order if i not in notes], budget)
    notes |= more_notes
    summary.groups = [g for i, g in enumerate(groups) if i in kept_groups]
    summary.learner_annotations = [a for i, a in enumerate(annotations) if i in notes]
    summary.omitted.groups = len(groups) - len(kept_groups)
    summary.omitted.annotations = len(annotations) - len(notes)
    return summary


def _fit(items: Sequence[BaseModel], order: Iterable[int], budget: float) -> tuple[set[int], int]:
    """Indices of the items, taken in ``order``, that fit the budget (each costs its
    JSON plus a separator), and the characters they use."""
    kept: set[int] = set()
    used = 0
    for i in order:
        cost = len(items[i].model_dump_json()) + 1
        if used + cost <= budget:
            kept.add(i)
            used += cost
    return kept, used


def summary_text(session: TutorSession, *, max_chars: int = 2000) -> str:
    """A session's stored board as the teacher's prompt sees it."""
    state, _ = board_state(session)
    return summarize_board(state, max_chars=max_chars).as_text()
