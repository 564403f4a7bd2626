"""BM25 by scoring every stored chunk's term counts: how search ranked before the folder
index, kept as the reference the index must match (tests) and beat (bench/search_speed.py)."""
from __future__ import annotations

from collections import Counter

from agents_app.retrieval import bm25_term_score, idf
from agents_app.text import terms


def brute_force(rows: list[tuple[int, dict[str, int], int]], query: str) -> list[tuple[float, int]]:
    """BM25 by scoring every chunk, as search did before the index."""
    wanted = set(terms(query))
    doc_freq = Counter(t for _, counts, _ in rows for t in wanted if t in counts)
    weights = {t: idf(doc_freq[t], len(rows)) for t in wanted if doc_freq[t]}
    average = sum(length for _, _, length in rows) / len(rows)
    scored = [(sum(bm25_term_score(counts.get(t, 0), length, average, w) for t, w in weights.items()), pk)
              for pk, counts, length in rows]
    return sorted([s for s in scored if s[0] > 0], key=lambda item: (-item[0], item[1]))
