"""Search a folder's passages: BM25 over the term counts stored by the indexing stage,
plus embedding similarity when an embedding model is configured.

Ranking uses the folder's inverted index held in memory (agents_app.lexical_index, built
from the stored term counts) and, with embeddings, the stored vectors; text is fetched
for the best k only. Works the same on SQLite and PostgreSQL since ranking happens here,
with agents_app.retrieval's maths.

The tutor asks on every turn, so best_passages reads the passages through a small
per-process cache: a chunk's text never changes (reprocessing a document makes new
rows), so a cached passage is never stale, and a deleted one is no longer ranked.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.db.models import QuerySet

from agents_app import embeddings
from agents_app.errors import AgentError
from agents_app.lexical_index import FolderIndex, folder_index
from agents_app.pipeline import chunk_ref
from agents_app.quotes import Rarity, best_quote
from agents_app.runs import CallContext
from agents_app.schemas import ChunkRef
from agents_app.everyday import query_terms
from agents_app.wiring import get_gateway
from sessions_app.models import Chunk, Document

logger = logging.getLogger(__name__)

RRF_K = 60  # the customary constant of reciprocal rank fusion
VECTOR_CANDIDATES = 50
CACHED_PASSAGES = 4096  # per process: a few MB of text


@dataclass(frozen=True)
class Hit:
    chunk: ChunkRef
    score: float
    document_name: str
    quote: str  # the sentence or two of the passage that best answer the query


def search_folder(folder_id: int, query: str, k: int = 5) -> list[Hit]:
    """The best k passages of the folder's ready documents, with their scores and document
    names: BM25, fused with embedding similarity when an embedding model is configured."""
    index, ranking = _ranking(folder_id, query)
    best = ranking[:k]
    chunks = Chunk.objects.passages().select_related("document").in_bulk([pk for _, pk in best])
    return [_hit(chunks[pk], score, query, index.rarity) for score, pk in best if pk in chunks]


def best_passages(folder_id: int, query: str, k: int) -> list[ChunkRef]:
    """The passages search_folder finds, in its order, read through the passage cache."""
    return _passages([pk for _, pk in _ranking(folder_id, query)[1][:k]])


def _ranking(folder_id: int, query: str) -> tuple[FolderIndex, list[tuple[float, int]]]:
    """The folder's lexical index and its chunks ranked for the query."""
    ready = Chunk.objects.filter(document__folder_id=folder_id, document__status=Document.Status.READY)
    index = folder_index(folder_id, ready)
    weights: dict[str, float] = {}
    for term, weight in query_terms(query).weights().items():
        found = index.in_folder(term)
        weights[found] = max(weight, weights.get(found, 0.0))
    ranking = index.rank(weights) if weights else []
    semantic = _semantic(ready, query)
    return index, _fuse([ranking, semantic]) if semantic else ranking


_cache: OrderedDict[int, ChunkRef] = OrderedDict()
_lock = threading.Lock()  # searches run in several database threads at once


def _passages(ids: list[int]) -> list[ChunkRef]:
    with _lock:
        found = {pk: _cache[pk] for pk in ids if pk in _cache}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        found.update((pk, chunk_ref(row)) for pk, row in Chunk.objects.passages().in_bulk(missing).items())
    with _lock:
        for pk in ids:
            if pk in found:
                _cache[pk] = found[pk]
                _cache.move_to_end(pk)
        while len(_cache) > CACHED_PASSAGES:
            _cache.popitem(last=False)
    return [found[pk] for pk in ids if pk in found]


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


def _hit(row: Chunk, score: float, query: str, rarity: Rarity) -> Hit:
    chunk = chunk_ref(row)
    return Hit(chunk=chunk, score=round(score, 4), document_name=row.document.original_name,
               quote=best_quote(chunk.text, query, rarity=rarity))
