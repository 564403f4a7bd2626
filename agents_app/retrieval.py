"""BM25 ranking over chunks: pure and deterministic.

The scoring maths (`idf`, `bm25_term_score`) is kept separate from the in-memory index so
a persisted index can reuse it.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from agents_app.schemas import ChunkRef
from agents_app.text import terms

K1 = 1.5
B = 0.75


def idf(doc_freq: int, doc_count: int) -> float:
    """BM25+ style idf that never goes negative for very common terms."""
    return math.log(1 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5))


def bm25_term_score(tf: int, doc_len: int, avg_len: float, term_idf: float, k1: float = K1, b: float = B) -> float:
    if tf == 0:
        return 0.0
    norm = k1 * (1 - b + b * doc_len / avg_len) if avg_len else k1
    return term_idf * tf * (k1 + 1) / (tf + norm)


@dataclass
class BM25Index:
    chunks: list[ChunkRef]
    _tfs: list[Counter[str]] = field(init=False, repr=False)
    _df: Counter[str] = field(init=False, repr=False)
    _lengths: list[int] = field(init=False, repr=False)
    _avg_len: float = field(init=False)

    def __post_init__(self) -> None:
        self._tfs = [Counter(terms(c.section + " " + c.text)) for c in self.chunks]
        self._df = Counter(t for tf in self._tfs for t in tf)
        self._lengths = [sum(tf.values()) for tf in self._tfs]
        self._avg_len = sum(self._lengths) / len(self._lengths) if self._lengths else 0.0

    def score(self, query: str) -> list[float]:
        n = len(self.chunks)
        q_terms = set(terms(query))
        idfs = {t: idf(self._df[t], n) for t in q_terms if t in self._df}
        return [
            sum(bm25_term_score(tf[t], length, self._avg_len, w) for t, w in idfs.items() if t in tf)
            for tf, length in zip(self._tfs, self._lengths)
        ]

    def search(self, query: str, k: int = 5) -> list[tuple[ChunkRef, float]]:
        """Best k chunks with a positive score; ties keep document order, so results are stable."""
        ranked = sorted(
            ((c, s) for c, s in zip(self.chunks, self.score(query)) if s > 0),
            key=lambda cs: (-cs[1], cs[0].document_id, cs[0].order),
        )
        return ranked[:k]
