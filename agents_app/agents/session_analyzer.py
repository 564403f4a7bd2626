"""Session analyzer: transcript + figures + mastery changes → SessionAnalysisResult."""
from __future__ import annotations

from agents_app import offline
from agents_app.gateway import LLMGateway
from agents_app.prompts import get_prompt, inert
from agents_app.runs import AgentSettings, CallContext
from agents_app.schemas import SessionAnalysisResult, SessionStats, TranscriptTurn

NAME = "session_analyzer"
TRANSCRIPT_CHARS = 24_000


async def analyze_session(gw: LLMGateway, ctx: CallContext, transcript: list[TranscriptTurn],
                          stats: SessionStats) -> SessionAnalysisResult:
    ctx = ctx.with_agent(NAME)

    async def llm(settings: AgentSettings) -> SessionAnalysisResult:
        messages = get_prompt(NAME, settings.prompt_version).messages(
            stats=stats.model_dump_json(), transcript=render_transcript(transcript, TRANSCRIPT_CHARS),
        )
        analysis = await gw.structured(ctx, settings, messages, SessionAnalysisResult, batch=True)
        # Mastery changes are measured facts: the model comments on them but does not restate them.
        return analysis.model_copy(update={"concept_changes": stats.concept_changes})

    return await gw.run(ctx, llm=llm, offline=lambda: offline.analyze_session(transcript, stats))


def render_transcript(transcript: list[TranscriptTurn], budget: int) -> str:
    """The most recent turns that fit in `budget` characters, oldest first, noting any cut."""
    lines: list[str] = []
    used = 0
    for turn in reversed(transcript):
        line = f"{turn.role} ({turn.kind}): {inert(turn.text, 'transcript')}"
        if used + len(line) > budget:
            lines.append(f"[{len(transcript) - len(lines)} earlier turns omitted]")
            break
        lines.append(line)
        used += len(line)
    return "\n".join(reversed(lines))
