"""Multiple-choice questions and their feedback.

One object per option (a rect holding the option's text, ``role: option`` with
``question_id`` and ``option_index``), so a click anywhere on the option answers. Left
of the options the question keeps a narrow mark column inside its frame: feedback marks
go there, next to the option they judge, wherever the question was placed.
"""
from __future__ import annotations

import uuid
from typing import Sequence

from whiteboard_app.geometry import Box
from whiteboard_app.skills.base import PADDING, Drawing, GroupBuilder, SkillContext, color, start_group
from whiteboard_app.specs import ObjectSpec, Style, bbox
from whiteboard_app.textfit import text_size

QUESTION_FONT = 18.0
OPTION_FONT = 16.0
MARK_FONT = 20.0
MARK_COLUMN = 32.0
OPTION_PAD = 6.0
OPTION_GAP = 8.0
MIN_WIDTH, MAX_WIDTH = 320.0, 680.0
LETTERS = "ABCDEFGH"


def option_label(index: int, text: str) -> str:
    return f"{LETTERS[index]}. {text}"


def draw_mcq(
    ctx: SkillContext,
    question: str,
    options: Sequence[str],
    *,
    question_id: str | None = None,
    near: Box | None = None,
) -> Drawing:
    """The question text and one clickable object per option."""
    if not 2 <= len(options) <= len(LETTERS):
        raise ValueError(f"a multiple-choice question needs between 2 and {len(LETTERS)} options")
    qid = question_id or uuid.uuid4().hex[:8]
    labels = [option_label(i, o) for i, o in enumerate(options)]
    inner = MAX_WIDTH - MARK_COLUMN - 2 * OPTION_PAD
    widest = max(text_size(label, OPTION_FONT, inner)[0] for label in labels) + MARK_COLUMN + 2 * OPTION_PAD
    width = min(max(text_size(question, QUESTION_FONT, MAX_WIDTH)[0], widest, MIN_WIDTH), MAX_WIDTH)
    q_height = text_size(question, QUESTION_FONT, width)[1]
    option_w = width - MARK_COLUMN
    heights = [text_size(label, OPTION_FONT, option_w - 2 * OPTION_PAD)[1] + 2 * OPTION_PAD for label in labels]
    height = q_height + OPTION_GAP + sum(heights) + OPTION_GAP * (len(labels) - 1)
    group = start_group(ctx, "mcq", width, height, near=near, group_id=f"mcq-{qid}")
    x, y = group.origin
    group.add(f"mcq-{qid}-text", "text", role="question", box=Box(x, y, width, q_height), text=question,
              question_id=qid, style={"fontSize": QUESTION_FONT, "fill": "#000000"})
    y += q_height + OPTION_GAP
    for i, (label, h) in enumerate(zip(labels, heights)):
        group.add(f"mcq-{qid}-opt-{i}", "rect", role="option", box=Box(x + MARK_COLUMN, y, option_w, h),
                  text=label, question_id=qid, option_index=i,
                  style={"fill": "#FFFFFF", "stroke": "#555555", "strokeWidth": 1, "fontSize": OPTION_FONT})
        y += h + OPTION_GAP
    return group.finish()


def draw_mcq_feedback(
    ctx: SkillContext,
    question_objects: Sequence[ObjectSpec],
    *,
    chosen_index: int,
    correct_index: int,
    explanation: str | None = None,
) -> Drawing:
    """Marks beside the chosen (and the correct) option, those options recoloured, and
    an optional explanation placed below the question. ``question_objects`` are the
    question's objects as read from the board."""
    options = {o.metadata.option_index: o for o in question_objects if o.metadata.role == "option"}
    frames = [o for o in question_objects if o.kind == "group"]
    if not frames or chosen_index not in options or correct_index not in options:
        raise ValueError("feedback needs the question's frame and the chosen and correct options")
    frame = bbox(frames[0])
    qid = options[chosen_index].metadata.question_id
    gid = f"mcq-{qid}-feedback"
    if explanation:
        width, height = text_size(f"Explanation: {explanation}", OPTION_FONT, frame.width)
        group = start_group(ctx, "feedback", width, height, near=frame, group_id=gid)
    else:
        group = GroupBuilder(ctx, gid, Box(frame.x, frame.y, MARK_COLUMN + PADDING, frame.height))
    recoloured = []
    for index in dict.fromkeys((chosen_index, correct_index)):
        is_correct = index == correct_index
        recoloured.append(_recolour(options[index], is_correct))
        _add_mark(group, frame, options[index], is_correct)
    if explanation:
        x, y = group.origin
        group.add(f"mcq-{qid}-feedback-text", "text", role="mcq_feedback_text", question_id=qid,
                  box=Box(x, y, group.region.width - 2 * PADDING, group.region.height - 2 * PADDING),
                  text=f"Explanation: {explanation}", style={"fontSize": OPTION_FONT, "fill": "#333333"})
    drawing = group.finish(linked_to=frames[0].id)
    drawing.objects.extend(recoloured)
    return drawing


def _recolour(option: ObjectSpec, is_correct: bool) -> ObjectSpec:
    tone = color("success" if is_correct else "error")
    style = Style(**{**option.style.model_dump(), "stroke": tone, "strokeWidth": 3})
    return option.model_copy(update={"style": style})


def _add_mark(group: GroupBuilder, frame: Box, option: ObjectSpec, is_correct: bool) -> None:
    box = bbox(option)
    size = MARK_COLUMN - 8
    group.add(
        f"{option.id}-mark", "text", role="mcq_feedback_mark",
        box=Box(frame.x + PADDING, box.y + max(0.0, (box.height - size) / 2), size, size),
        text="✓" if is_correct else "✗", question_id=option.metadata.question_id,
        option_index=option.metadata.option_index, is_correct=is_correct,
        style={"fontSize": MARK_FONT, "fill": color("success" if is_correct else "error")},
    )
