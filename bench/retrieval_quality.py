"""Retrieval quality on the test sets of tests/retrieval: per-question ranks, top-1, top-3, MRR.

A question is answered at rank k when the k-th hit's quote (what the learner sees) holds its
expected words; the figures for the whole passage are printed beside. Two sets: "original"
(50 questions, used while building search) and "heldout" (written for measuring, never tuned
on). The documents go through the real upload action and ingestion pipeline into a fresh
database (bench/database.py: temporary SQLite, or DATABASE_URL's PostgreSQL); each question
goes through agents_app.search.search_folder, lexical BM25 alone.

    .venv/bin/python bench/retrieval_quality.py [--set original|heldout|both] [--k 10] [--quiet]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import setup_django  # noqa: E402

BARS = {"original": 0.95, "heldout": 0.9}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10, help="hits fetched per question (ranks beyond k count as misses)")
    parser.add_argument("--set", choices=["original", "heldout", "both"], default="both")
    parser.add_argument("--quiet", action="store_true", help="print only the misses and the figures")
    args = parser.parse_args()
    where = setup_django("bench_retrieval")

    from sessions_app import actions

    learner = actions.register_learner(username="bench", password="bench-password-long-1")
    for name in (["original", "heldout"] if args.set == "both" else [args.set]):
        report(name, learner, args.k, args.quiet, where)


def report(name: str, learner, k: int, quiet: bool, where: str) -> None:  # type: ignore[no-untyped-def]
    from tests.retrieval.testset import (
        document_names, evaluate, hit_rate, ingest_documents, load_questions, mean_reciprocal_rank, summary,
    )

    questions = load_questions(name)
    folder = ingest_documents(learner, document_names(questions))
    started = time.perf_counter()
    outcomes = evaluate(folder, questions, k=k)
    per_query = (time.perf_counter() - started) / len(questions) * 1000
    print(f"== {name}: {len(questions)} questions over {len(document_names(questions))} documents "
          f"({folder.documents.filter(status='ready').count()} ready), {where}\n")
    for outcome in outcomes:
        if quiet and outcome.found_within(3):
            continue
        rank = f"{outcome.rank or '-'}/{outcome.chunk_rank or '-'}"
        note = "" if outcome.rank == 1 else f"  [{outcome.best_section}] {outcome.best_quote[:160]!r}"
        print(f"{rank:>5}  {outcome.question.question}{note}")
    print()
    print(summary(outcomes, 1))
    print(summary(outcomes, 3))
    print(f"MRR@{k}: {mean_reciprocal_rank(outcomes):.3f}; {per_query:.1f} ms a question "
          f"(bar: top-3 >= {BARS[name]:.0%}: {'PASS' if hit_rate(outcomes, 3) >= BARS[name] else 'FAIL'})\n")


if __name__ == "__main__":
    main()
