"""Search latency on a large folder: agents_app.search.search_folder (the in-memory folder
index, checked against the database on every query) against ranking by scoring every
stored chunk's term counts, as search did before the index, in the same run.

The folder holds --chunks chunks (default 2,000, about a 500-page PDF) of 180 words
drawn from the study documents of tests/fixtures/docs; the queries are the 50 learner
questions of tests/retrieval. Fresh database (bench/database.py: temporary SQLite, or
DATABASE_URL's PostgreSQL).

    .venv/bin/python bench/search_speed.py [--chunks 2000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_load import percentile  # noqa: E402
from bench.database import setup_django  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "docs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the 50 questions, per method")
    args = parser.parse_args()
    where = setup_django("bench_search")

    from agents_app.lexical_index import folder_index
    from agents_app.search import search_folder
    from agents_app.text import terms
    from sessions_app import actions
    from sessions_app.models import Chunk, Document
    from tests.retrieval.lexical_reference import brute_force
    from tests.retrieval.testset import load_questions

    random.seed(7)
    words = [w for doc in sorted(DOCS.glob("*.md")) for w in doc.read_text().split()]
    learner = actions.register_learner(username="bench", password="bench-password-long-1")
    folder = actions.create_folder(learner, name="Large folder")
    document = Document.objects.create(folder=folder, file="documents/large.md", original_name="large.md",
                                       sha256="1" * 64, kind="markdown", mime_type="text/markdown", size=1,
                                       status=Document.Status.READY)
    rows = []
    for order in range(args.chunks):
        text = " ".join(random.choice(words) for _ in range(180))
        counts = terms(text)
        rows.append(Chunk(document=document, order=order, text=text, content_hash=f"{order:064d}",
                          terms=dict(Counter(counts)), length=len(counts)))
    Chunk.objects.bulk_create(rows, batch_size=500)
    queries = [q.question for q in load_questions()]
    ready = Chunk.objects.filter(document__folder_id=folder.pk, document__status=Document.Status.READY)

    started = time.perf_counter()
    folder_index(folder.pk, ready)
    cold = (time.perf_counter() - started) * 1000

    def timed(search) -> list[float]:
        times = []
        for _ in range(args.rounds):
            for query in queries:
                started = time.perf_counter()
                search(query)
                times.append((time.perf_counter() - started) * 1000)
        return times

    def before(query: str) -> None:
        brute_force(list(ready.values_list("pk", "terms", "length")), query)

    indexed = timed(lambda query: search_folder(folder.pk, query, k=4))
    scanned = timed(before)
    print(f"search_speed: {args.chunks} chunks, {len(queries)} questions x {args.rounds} rounds, {where}")
    print(f"index build (first query of a process, or after the folder changed): {cold:.1f} ms")
    for name, times in (("search_folder (index)         ", indexed), ("scoring every stored chunk    ", scanned)):
        print(f"{name}: p50 {statistics.median(times):.1f} ms  p99 {percentile(times, 0.99):.1f} ms")
    print(f"ratio of medians: {statistics.median(scanned) / statistics.median(indexed):.1f}x")


if __name__ == "__main__":
    main()
