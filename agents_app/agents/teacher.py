"""The teacher turn: one streamed model call with tools, as an async generator of events.

Tool calls run as they arrive and their results go back to the model in the same turn
(assistant tool_calls message + tool messages) until it answers in text. Failures end the
turn with TeacherFailed carrying the partial text; cancelling the consuming task closes the
upstream stream.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

from pydantic import BaseModel, Field

from agents_app import lesson_text, offline
from agents_app.errors import AgentError
from agents_app.gateway import Completion, LLMGateway, StreamText, ToolCall
from agents_app.policy import Action
from agents_app.prompts import ACTION_INSTRUCTIONS, get_prompt, quote_passages
from agents_app.runs import AgentSettings, CallContext
from agents_app.schemas import (
    ChunkRef, Citation, FocusObjective, TeacherEvent, TeacherDelta, ToolCallResult, ToolCallStarted, TranscriptTurn,
    TeacherCompleted, TeacherFailed,
)
from agents_app.quotes import best_quote
from agents_app.tools import Tool

logger = logging.getLogger(__name__)

NAME = "teacher"
MAX_TOOL_ROUNDS = 4
HISTORY_TURNS = 12
REPEAT_WINDOW = 3  # an offline reply never repeats one of the last three word for word
_MARKER = re.compile(r"\[(\d{1,2})\]")


class TeacherRequest(BaseModel):
    action: Action
    message: str = ""
    focus: FocusObjective | None = None
    concept: str = ""  # the concept of the focus being taught, for a lesson move
    opening: str = ""  # said first: a new section starts, or a review
    introducing: bool = False  # a lesson move that explains the concept for the first time
    passages: list[ChunkRef] = []
    history: list[TranscriptTurn] = []
    board_summary: str = ""
    pace: float = Field(1.0, ge=0.5, le=1.5)


async def teach(gw: LLMGateway, ctx: CallContext, request: TeacherRequest,
                tools: Mapping[str, Tool] | None = None) -> AsyncIterator[TeacherEvent]:
    ctx = ctx.with_agent(NAME)
    settings = await gw.settings_for(NAME)
    if await gw.admit_turn(ctx, settings):
        source = _llm_turn(gw, ctx, settings, request, tools or {})
    else:
        source = _offline_turn(gw, ctx, settings, request)
    async with aclosing(source):  # closing this turn closes the model stream at once
        async for event in source:
            yield event


async def _llm_turn(gw: LLMGateway, ctx: CallContext, settings: AgentSettings, request: TeacherRequest,
                    tools: Mapping[str, Tool]) -> AsyncIterator[TeacherEvent]:
    messages = _messages(request, settings.prompt_version)
    specs = [t.spec() for t in tools.values()]
    said: list[str] = []
    try:
        for round_no in range(MAX_TOOL_ROUNDS + 1):
            # The last round offers no tools, so the turn always ends in text.
            offered = specs if round_no < MAX_TOOL_ROUNDS else None
            completion: Completion | None = None
            # Closed explicitly so a turn closed mid-stream closes the HTTP stream now, not at GC.
            async with aclosing(gw.stream(ctx, settings, messages, tools=offered)) as stream:
                async for item in stream:
                    if isinstance(item, StreamText):
                        said.append(item.text)
                        yield TeacherDelta(text=item.text)
                    else:
                        completion = item
            if completion is None or not completion.tool_calls:
                break
            messages.append({"role": "assistant", "content": completion.text or None,
                             "tool_calls": [c.as_message_part() for c in completion.tool_calls]})
            for call in completion.tool_calls:
                async for event in _run_tool(call, tools, messages):
                    yield event
    except AgentError as exc:
        yield TeacherFailed(partial_text="".join(said), code=exc.code, message=exc.message, retryable=exc.retryable)
        return
    text = "".join(said)
    yield TeacherCompleted(text=text, citations=cite(text, request.passages))


async def _run_tool(call: ToolCall, tools: Mapping[str, Tool], messages: list[dict[str, Any]]
                    ) -> AsyncIterator[TeacherEvent]:
    """Run one tool call; success or failure, the outcome goes to the learner and back to the model."""
    try:
        arguments = call.parsed_arguments()
    except AgentError as exc:
        arguments, failure = {}, exc.message
    else:
        failure = None if call.name in tools else f"there is no tool named {call.name!r}"
    yield ToolCallStarted(call_id=call.id, name=call.name, arguments=arguments)
    result: Any = None
    if failure is None:
        try:
            result = await tools[call.name].handler(arguments)
        except AgentError as exc:
            failure = exc.message
        except Exception as exc:  # tools are plugged in from other apps: a crash becomes a reported failure
            logger.exception("tool %s failed", call.name)
            failure = f"{type(exc).__name__}: {exc}"
    yield ToolCallResult(call_id=call.id, name=call.name, ok=failure is None, result=result, error=failure)
    content = {"ok": True, "result": result} if failure is None else {"ok": False, "error": failure}
    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(content, default=str)})


async def _offline_turn(gw: LLMGateway, ctx: CallContext, settings: AgentSettings,
                        request: TeacherRequest) -> AsyncIterator[TeacherEvent]:
    async with gw.track(ctx, settings, offline=True):
        if request.concept and not request.message:
            said = [t.text for t in request.history if t.role != "learner"]
            text, used = lesson_text.teach(request.action.value, request.concept, request.passages,
                                           said=" ".join(said), recent=" ".join(said[-REPEAT_WINDOW:]),
                                           opening=request.opening, introducing=request.introducing)
        else:
            text, used = _offline_answer(request)
    for piece in re.findall(r"\S+\s*", text):
        yield TeacherDelta(text=piece)
    yield TeacherCompleted(text=text, citations=cite(text, used), offline=True)


def _offline_answer(request: TeacherRequest) -> tuple[str, list[ChunkRef]]:
    """The offline reply to a message; one that would repeat a recent reply word for word is
    built from other passages that answer the message too, or else is said again as such (a
    learner asking "what is an atoll?" twice was answered the second time from a passage on
    polyps that only shared the word "ring")."""
    query = request.message or " ".join(request.focus.concepts if request.focus else [])
    recent = [t.text for t in request.history if t.role == "tutor"][-REPEAT_WINDOW:]
    action, passages = request.action.value, list(request.passages)
    others = offline.answering(query, passages, k=len(passages)) or passages
    text, used = offline.explain(action, query, passages)
    while text in recent:
        others = [p for p in others if p not in used]
        if not used or not others:  # nothing else answers it: say so, rather than the same words
            return offline.explain(action, query, passages, again=True)
        text, used = offline.explain(action, query, others)
    return text, used


def _messages(request: TeacherRequest, version: str) -> list[dict[str, Any]]:
    prompt = get_prompt(NAME, version)
    focus = f"{request.focus.title} (concepts: {', '.join(request.focus.concepts)})" if request.focus else "none"
    if request.concept:
        focus += f"; now teaching: {request.concept}"
    action = ACTION_INSTRUCTIONS[request.action.value] + (f". Begin with: {request.opening}" if request.opening else "")
    system, user = prompt.messages(
        pace=request.pace, focus=focus, action=action,
        board=request.board_summary or "empty", passages=quote_passages(request.passages, numbered=True),
        message=request.message or "(no message: continue the lesson)",
    )
    history = [{"role": "user" if t.role == "learner" else "assistant", "content": t.text}
               for t in request.history[-HISTORY_TURNS:]]
    return [system, *history, user]


def _claims(text: str) -> list[tuple[str, int]]:
    """(what the reply says, the [n] it cites there): the text since the previous marker."""
    pieces = _MARKER.split(text)  # text, number, text, number, ..., text
    return [(pieces[i], int(pieces[i + 1])) for i in range(0, len(pieces) - 1, 2)]


def cite(text: str, passages: list[ChunkRef]) -> list[Citation]:
    """Citations for the [n] markers in `text`, each quoting the sentence or two of its passage that
    best match what the reply says where it cites [n]."""
    numbers = list(dict.fromkeys(int(n) for n in _MARKER.findall(text)))
    citations = []
    for n in numbers:
        if 1 <= n <= len(passages):
            chunk = passages[n - 1]
            claim = " ".join(said for said, marker in _claims(text) if marker == n) or text
            citations.append(Citation(document_id=chunk.document_id, chunk_id=chunk.chunk_id, page=chunk.page,
                                      quote=best_quote(chunk.text, claim)))
    return citations
