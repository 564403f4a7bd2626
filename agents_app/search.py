"""Search a folder's passages: BM25 over the term counts stored by the indexing stage,
plus embedding similarity when an embedding model is configured.

Ranking uses the folder's inverted index held in memory (agents_app.lexical_index, built
from the stored term counts) and, with embeddings, the stored vectors; text is fetched
for the best k only. Works the same on SQLite and PostgreSQL since ranking happens here,
with agents_app.retrieval's maths.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.db.models import QuerySet

from agents_app import embeddings
from agents_app.errors import AgentError
from agents_app.lexical_index import folder_index
from agents_app.pipeline import chunk_ref
from agents_app.runs import CallContext
from agents_app.schemas import ChunkRef
from agents_app.text import terms
from agents_app.wiring import get_gateway
from sessions_app.models import Chunk, Document

logger = logging.getLogger(__name__)

QUOTE_CHARS = 400
RRF_K = 60  # the customary constant of reciprocal rank fusion
VECTOR_CANDIDATES = 50


@dataclass(frozen=True)
class Hit:
    chunk: ChunkRef
    score: float
    document_name: str

    @property
    def quote(self) -> str:
        text = " ".join(self.chunk.text.split())
        return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def search_folder(folder_id: int, query: str, k: int = 5) -> list[Hit]:
    """The best k passages of the folder's ready documents: BM25, fused with embedding
    similarity when an embedding model is configured."""
    ready = Chunk.objects.filter(document__folder_id=folder_id, document__status=Document.Status.READY)
    ranking = _lexical(folder_id, ready, query)
    semantic = _semantic(ready, query)
    if semantic:
        ranking = _fuse([ranking, semantic])
    best = ranking[:k]
    chunks = Chunk.objects.passages().select_related("document").in_bulk([pk for _, pk in best])
    return [_hit(chunks[pk], score) for score, pk in best]


def _lexical(folder_id: int, ready: QuerySet[Chunk], query: str) -> list[tuple[float, int]]:
    query_terms = set(terms(query))
    return folder_index(folder_id, ready).rank(query_terms) if query_terms else []


def _semantic(ready: QuerySet[Chunk], query: str) -> list[tuple[float, int]]:
    """Chunks by cosine similarity to the query; empty without embeddings (or if the model fails)."""
    if not embeddings.configured():
        return []
    rows = list(ready.filter(embedding__isnull=False).values_list("pk", "embedding"))
    if not rows:
        return []
    try:
        vectors = async_to_sync(embeddings.embed_texts)(get_gateway(), CallContext(), [query])
    except AgentError:
        logger.warning("query embedding failed; searching by keywords alone", exc_info=True)
        return []
    if not vectors:
        return []
    scores = embeddings.cosine_scores(vectors[0], [vector for _, vector in rows])
    order = scores.argsort()[::-1][:VECTOR_CANDIDATES]
    return [(float(scores[i]), rows[i][0]) for i in order]


def _fuse(rankings: list[list[tuple[float, int]]]) -> list[tuple[float, int]]:
    """Reciprocal rank fusion: robust to the two scores living on different scales."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (_, pk) in enumerate(ranking, start=1):
            fused[pk] = fused.get(pk, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(((score, pk) for pk, score in fused.items()), key=lambda item: (-item[0], item[1]))


def _hit(row: Chunk, score: float) -> Hit:
    return Hit(chunk=chunk_ref(row), score=round(score, 4), document_name=row.document.original_name)
