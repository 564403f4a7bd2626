"""A folder's lexical index in memory: term -> postings, built from the term counts the
indexing stage stores, so a query costs the postings of its own terms instead of
loading and decoding every chunk's counts (on a 2,000-chunk folder that took 50-60 ms a
query, on the path to the tutor's first words).

Each process keeps the indexes of recently searched folders and checks on every query,
with one aggregate, that the folder's searchable chunks are still the ones indexed:
their count, highest id and total length. Chunk ids only grow and a reprocessed
document gets new rows, so a change to the set changes the token. The cache is bounded
by the postings it holds, dropping the least recently used folders first.
"""
from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum

from agents_app.retrieval import bm25_term_score, idf

MAX_POSTINGS = 2_000_000  # about 16 MB of arrays per process
# Endings Porter's stemmer leaves on a word derived from another ("salty" -> "salti", "quickly"
# -> "quickli", "buyer"): a question may use the derived word where the documents use its root.
DERIVED_ENDINGS = ("li", "i", "er")

Token = tuple[int, int, int]


@dataclass(frozen=True)
class FolderIndex:
    """Postings packed into two arrays per folder rather than two per term: the garbage
    collector walks every array, and thousands per folder made each full collection of a
    server holding a few hundred folders tens of milliseconds longer, with every socket stalled."""

    ids: array  # chunk ids, by position
    lengths: array  # chunk lengths, by position
    average: float
    postings: dict[str, tuple[int, int]]  # term -> its slice of `positions` and `frequencies`
    positions: array  # positions in `ids`, term by term
    frequencies: array  # the term's count in that chunk

    @property
    def size(self) -> int:
        return len(self.positions)

    @classmethod
    def build(cls, rows: Iterable[tuple[int, dict[str, int], int]]) -> FolderIndex:
        ids, lengths = array("Q"), array("Q")
        by_term: dict[str, list[tuple[int, int]]] = {}
        for position, (pk, counts, length) in enumerate(rows):
            ids.append(pk)
            lengths.append(length)
            for term, tf in counts.items():
                by_term.setdefault(term, []).append((position, tf))
        positions, frequencies = array("I"), array("I")
        postings: dict[str, tuple[int, int]] = {}
        for term, entries in by_term.items():
            start = len(positions)
            positions.extend(position for position, _ in entries)
            frequencies.extend(tf for _, tf in entries)
            postings[term] = (start, len(positions))
        average = sum(lengths) / len(lengths) if lengths else 0.0
        return cls(ids, lengths, average, postings, positions, frequencies)

    def rarity(self, term: str) -> float:
        """The term's idf in the folder (that of a term seen once for an unknown term)."""
        start, stop = self.postings.get(term, (0, 1))
        return idf(stop - start, len(self.ids))

    def in_folder(self, term: str) -> str:
        """The term, or, when the folder never uses it, the root it derives from that the folder
        does use ("salti" for "salty" gives "salt"); the term itself when neither is there."""
        if term in self.postings:
            return term
        roots = (term[: -len(end)] for end in DERIVED_ENDINGS if term.endswith(end) and len(term) - len(end) >= 3)
        return next((root for root in roots if root in self.postings), term)

    def rank(self, query_terms: dict[str, float]) -> list[tuple[float, int]]:
        """(BM25 score, chunk id) of every chunk matching a term, best first, ties by id; each
        term's score is multiplied by its weight in `query_terms`."""
        scores: dict[int, float] = {}
        for term, factor in query_terms.items():
            span = self.postings.get(term)
            if span is None:
                continue
            start, stop = span
            weight = idf(stop - start, len(self.ids)) * factor
            for position, tf in zip(self.positions[start:stop], self.frequencies[start:stop]):
                scores[position] = scores.get(position, 0.0) + bm25_term_score(
                    tf, self.lengths[position], self.average, weight)
        ranked = [(score, self.ids[position]) for position, score in scores.items() if score > 0]
        return sorted(ranked, key=lambda item: (-item[0], item[1]))


_cache: OrderedDict[int, tuple[Token, FolderIndex]] = OrderedDict()
_lock = threading.Lock()  # searches run in several database threads at once


def folder_index(folder_id: int, chunks: QuerySet) -> FolderIndex:
    """The index of `chunks` (the folder's searchable chunks), from the cache when current."""
    figures = chunks.aggregate(count=Count("pk"), top=Max("pk"), total=Sum("length"))
    token = (figures["count"], figures["top"] or 0, figures["total"] or 0)
    with _lock:
        cached = _cache.get(folder_id)
        if cached is not None and cached[0] == token:
            _cache.move_to_end(folder_id)
            return cached[1]
    # Built outside the lock; rows newer than the token only make the next query rebuild.
    index = FolderIndex.build(chunks.values_list("pk", "terms", "length").order_by())
    with _lock:
        _cache[folder_id] = (token, index)
        _cache.move_to_end(folder_id)
        held = sum(entry.size for _, entry in _cache.values())
        while held > MAX_POSTINGS and len(_cache) > 1:
            _, (_, dropped) = _cache.popitem(last=False)
            held -= dropped.size
    return index
