"""Planner: analysis + mastery → LessonPlan, and the focus objective (the first not yet mastered)."""
from __future__ import annotations

import json

from agents_app import offline
from agents_app.gateway import LLMGateway
from agents_app.mastery import MASTERED, choose_difficulty
from agents_app.prompts import get_prompt
from agents_app.runs import AgentSettings, CallContext
from agents_app.schemas import ChunkRef, FocusObjective, FolderAnalysis, LessonPlan, Objective

NAME = "planner"


async def plan_lesson(gw: LLMGateway, ctx: CallContext, analysis: FolderAnalysis, mastery: dict[str, float], *,
                      chunks: list[ChunkRef], done: set[str] = frozenset()) -> LessonPlan:
    """A plan for what is not mastered yet; `done` holds ids of objectives already completed."""
    ctx = ctx.with_agent(NAME)

    async def llm(settings: AgentSettings) -> LessonPlan:
        messages = get_prompt("planner", settings.prompt_version).messages(
            analysis=analysis.model_dump_json(exclude={"offline"}),
            mastery=json.dumps({k: round(v, 2) for k, v in sorted(mastery.items())}) or "{}",
            done=", ".join(sorted(done)) or "none",
        )
        return await gw.structured(ctx, settings, messages, LessonPlan, batch=True)

    return await gw.run(ctx, llm=llm, offline=lambda: offline.plan(analysis, chunks, mastery, set(done)))


def objective_mastered(objective: Objective, mastery: dict[str, float]) -> bool:
    return all(mastery.get(concept, 0.0) >= MASTERED for concept in objective.concepts)


def choose_focus(plan: LessonPlan, mastery: dict[str, float], pace: float = 1.0,
                 done: set[str] = frozenset()) -> FocusObjective | None:
    """The first objective in plan order that is neither done nor mastered and whose prerequisites are."""
    finished = set(done)
    for position, objective in enumerate(plan.objectives()):
        if objective.id in finished or objective_mastered(objective, mastery):
            finished.add(objective.id)
            continue
        if all(p in finished for p in objective.prerequisites):
            level = min((mastery.get(c, 0.0) for c in objective.concepts), default=0.0)
            return FocusObjective(objective_id=objective.id, title=objective.title, concepts=objective.concepts,
                                  difficulty=choose_difficulty(level, pace), position=position)
    return None
