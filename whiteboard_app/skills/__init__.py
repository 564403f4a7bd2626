"""Drawing skills: plain functions ``skill(ctx, ...) -> Drawing`` (see base.py)."""
from whiteboard_app.skills.base import Drawing, SkillContext
from whiteboard_app.skills.charts import draw_axes, draw_coordinate_plane, draw_function_graph, draw_table
from whiteboard_app.skills.diagrams import draw_flowchart, draw_labelled_diagram, draw_timeline
from whiteboard_app.skills.ephemeral import highlight, pointer
from whiteboard_app.skills.mcq import draw_mcq, draw_mcq_feedback
from whiteboard_app.skills.primitives import draw_arrow, draw_latex, draw_shape, draw_text

__all__ = [
    "Drawing",
    "SkillContext",
    "draw_arrow",
    "draw_axes",
    "draw_coordinate_plane",
    "draw_flowchart",
    "draw_function_graph",
    "draw_labelled_diagram",
    "draw_latex",
    "draw_mcq",
    "draw_mcq_feedback",
    "draw_shape",
    "draw_table",
    "draw_text",
    "draw_timeline",
    "highlight",
    "pointer",
]
