"""Planner: analysis + mastery → LessonPlan; picks the focus objective; re-plans once it is mastered."""
from __future__ import annotations

import json
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PlanUpdate:
    plan: LessonPlan
    focus: FocusObjective | None
    replanned: bool


async def replan_if_mastered(gw: LLMGateway, ctx: CallContext, plan: LessonPlan, focus: FocusObjective | None,
                             analysis: FolderAnalysis, mastery: dict[str, float], *, chunks: list[ChunkRef],
                             done: set[str] = frozenset(), pace: float = 1.0) -> PlanUpdate:
    """When the focus objective is mastered, plan the rest again from the new mastery and move the focus."""
    current = next((o for o in plan.objectives() if focus and o.id == focus.objective_id), None)
    if current is None or not objective_mastered(current, mastery):
        return PlanUpdate(plan, focus, replanned=False)
    finished = set(done) | {current.id}
    if all(o.id in finished or objective_mastered(o, mastery) for o in plan.objectives()):
        return PlanUpdate(plan, None, replanned=False)
    new_plan = await plan_lesson(gw, ctx, analysis, mastery, chunks=chunks, done=finished)
    return PlanUpdate(new_plan, choose_focus(new_plan, mastery, pace, finished), replanned=True)
