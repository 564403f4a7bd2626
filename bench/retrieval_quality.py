"""Retrieval quality on the test set of tests/retrieval: per-question ranks, top-1, top-3, MRR.

The study documents go through the real upload action and ingestion pipeline into a fresh
database (bench/database.py: temporary SQLite, or DATABASE_URL's PostgreSQL); each question
goes through agents_app.search.search_folder, lexical BM25 alone.

    .venv/bin/python bench/retrieval_quality.py [--k 10]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10, help="hits fetched per question (ranks beyond k count as misses)")
    args = parser.parse_args()
    where = setup_django("bench_retrieval")

    from sessions_app import actions
    from tests.retrieval.testset import (
        document_names, evaluate, hit_rate, ingest_documents, load_questions, mean_reciprocal_rank, summary,
    )

    questions = load_questions()
    learner = actions.register_learner(username="bench", password="bench-password-long-1")
    folder = ingest_documents(learner, document_names(questions))
    outcomes = evaluate(folder, questions, k=args.k)
    print(f"{len(questions)} questions over {len(document_names(questions))} documents "
          f"({folder.documents.filter(status='ready').count()} ready), {where}\n")
    print(f"{'rank':>4}  question  [best hit's section when the expected passage is not first]")
    for outcome in outcomes:
        rank = str(outcome.rank) if outcome.rank else "-"
        note = "" if outcome.rank == 1 else f"  [{outcome.best_section}]"
        print(f"{rank:>4}  {outcome.question.question}{note}")
    print()
    print(summary(outcomes, 1))
    print(summary(outcomes, 3))
    print(f"MRR@{args.k}: {mean_reciprocal_rank(outcomes):.3f}  (bar: top-3 >= 90%: "
          f"{'PASS' if hit_rate(outcomes, 3) >= 0.9 else 'FAIL'})")


if __name__ == "__main__":
    main()
