"""Agents by name: admin offers these names for AgentConfig rows, whose model settings each
agent reads by its name; check_llm tries each."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents_app.agents import analyzer, planner, quiz, session_analyzer, teacher


@dataclass(frozen=True)
class AgentSpec:
    name: str
    entry: Callable[..., Any]
    description: str


AGENTS: dict[str, AgentSpec] = {
    spec.name: spec
    for spec in (
        AgentSpec(analyzer.NAME, analyzer.analyze_folder, "Folder chunks → FolderAnalysis (map-reduce)."),
        AgentSpec(planner.NAME, planner.plan_lesson, "Analysis + mastery → LessonPlan."),
        AgentSpec(quiz.CREATOR, quiz.create_quiz, "Chunks + concepts → Quiz with cited questions."),
        AgentSpec(quiz.EVALUATOR, quiz.grade_answer, "Question + answer → GradeResult."),
        AgentSpec(session_analyzer.NAME, session_analyzer.analyze_session, "Transcript + figures → SessionAnalysis."),
        AgentSpec(teacher.NAME, teacher.teach, "One streamed teaching turn with tools."),
    )
}


def agent_names() -> list[str]:
    return sorted(AGENTS)
