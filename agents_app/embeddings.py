"""Embedding vectors for passages and queries, when an embedding model is configured.

Semantic search is an addition to lexical search, never a condition for it: without
EMBEDDING_MODEL (or an API key, or with the "embedder" agent disabled in admin) nothing
is embedded and search ranks by BM25 alone.
"""
from __future__ import annotations

import numpy as np
from django.conf import settings

from agents_app.gateway import LLMGateway
from agents_app.runs import CallContext

EMBEDDER = "embedder"
BATCH = 64


def configured() -> bool:
    return bool(settings.EMBEDDING_MODEL and settings.OPENAI_API_KEY)


async def embed_texts(gateway: LLMGateway, ctx: CallContext, texts: list[str]) -> list[list[float]] | None:
    """Vectors for `texts` in order, or None when no embedding model is in use."""
    if not configured():
        return None
    agent_settings = await gateway.settings_for(EMBEDDER)
    if not gateway.uses_llm(agent_settings):
        return None
    ctx = ctx.with_agent(EMBEDDER)
    vectors: list[list[float]] = []
    for start in range(0, len(texts), BATCH):
        vectors.extend(await gateway.embed(ctx, agent_settings, texts[start:start + BATCH]))
    return vectors


def cosine_scores(query: list[float], vectors: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    q = np.asarray(query, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(q) or 1.0)
    return matrix @ q / np.where(norms == 0, 1.0, norms)
