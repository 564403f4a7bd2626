"""Analyzer: a folder's chunks → AnalysisResult, map-reduce so any folder size works."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

from agents_app import offline
from agents_app.concepts import as_written
from agents_app.errors import AgentError
from agents_app.gateway import LLMGateway
from agents_app.prompts import get_prompt, quote_passages
from agents_app.runs import AgentSettings, CallContext
from agents_app.schemas import ChunkRef, AnalysisResult

NAME = "analyzer"
BATCH_CHARS = 12_000


async def analyze_folder(gw: LLMGateway, ctx: CallContext, chunks: list[ChunkRef], *,
                         batch_chars: int = BATCH_CHARS, concurrency: int = 3) -> AnalysisResult:
    if not chunks:
        raise AgentError("the folder has no text to analyse", code="empty_folder")
    ordered = sorted(chunks, key=lambda c: (c.document_id, c.order))
    ctx = ctx.with_agent(NAME)

    async def llm(settings: AgentSettings) -> AnalysisResult:
        limit = asyncio.Semaphore(concurrency)

        async def map_batch(batch: list[ChunkRef]) -> AnalysisResult:
            async with limit:
                messages = get_prompt("analyzer.map", settings.prompt_version).messages(passages=quote_passages(batch))
                return await gw.structured(ctx, settings, messages, AnalysisResult, context={"chunks": batch},
                                           batch=True)

        partials = await _gather([map_batch(b) for b in batches(ordered, batch_chars)])
        while len(partials) > 1:
            groups = _groups([p.model_dump_json() for p in partials], batch_chars)
            partials = await _gather([_merge(gw, ctx, settings, [partials[i] for i in g], ordered) for g in groups])
        return _as_written(partials[0], ordered)

    return await gw.run(ctx, llm=llm, offline=lambda: offline.analyze(ordered))


def _as_written(analysis: AnalysisResult, chunks: list[ChunkRef]) -> AnalysisResult:
    """The model's concept names as the documents write them mid-sentence, as the offline
    analysis names them ("Leaves" from a heading is "leaves" beside "stroma"; "Calvin cycle",
    "ATP" keep their capitals); two names that then coincide are one concept."""
    prose = " ".join(c.text for c in chunks)
    named: dict[str, Any] = {}
    for concept in analysis.concepts:
        name = as_written(concept.name, prose)[0]
        named.setdefault(name, concept.model_copy(update={"name": name}))
    return analysis.model_copy(update={"concepts": list(named.values())})


def batches(chunks: list[ChunkRef], budget: int) -> list[list[ChunkRef]]:
    """Consecutive chunks packed up to `budget` characters (a long chunk gets a batch of its own)."""
    out: list[list[ChunkRef]] = [[]]
    size = 0
    for chunk in chunks:
        if out[-1] and size + len(chunk.text) > budget:
            out.append([])
            size = 0
        out[-1].append(chunk)
        size += len(chunk.text)
    return out


def _groups(texts: list[str], budget: int) -> list[list[int]]:
    """Indexes of consecutive partials to merge together: at least two per group, so each round shrinks."""
    groups: list[list[int]] = [[]]
    size = 0
    for i, text in enumerate(texts):
        if len(groups[-1]) >= 2 and size + len(text) > budget:
            groups.append([])
            size = 0
        groups[-1].append(i)
        size += len(text)
    return groups


async def _merge(gw: LLMGateway, ctx: CallContext, settings: AgentSettings, partials: list[AnalysisResult],
                 chunks: list[ChunkRef]) -> AnalysisResult:
    if len(partials) == 1:
        return partials[0]
    payload = json.dumps([p.model_dump(exclude={"offline"}) for p in partials], ensure_ascii=False)
    messages = get_prompt("analyzer.reduce", settings.prompt_version).messages(partials=payload)
    return await gw.structured(ctx, settings, messages, AnalysisResult, context={"chunks": chunks}, batch=True)


async def _gather(calls: list[Coroutine[Any, Any, AnalysisResult]]) -> list[AnalysisResult]:
    # A TaskGroup cancels the sibling calls as soon as one fails; callers get that first error.
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in calls]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [t.result() for t in tasks]
