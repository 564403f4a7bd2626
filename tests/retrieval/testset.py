"""The retrieval test sets: study documents, learners' questions and the words each answer holds.

Two sets: the original one (tests/fixtures/docs, questions.json), used while building search,
and the held-out one (tests/retrieval/heldout.py), written for measuring and never tuned on.
Shared by the quality tests and bench/retrieval_quality.py so both measure the same thing:
documents go through the real upload action and ingestion pipeline, questions through
agents_app.search.search_folder (lexical BM25 only). A question counts as answered at rank k
when the k-th hit's quote (what the learner sees) holds the expected words.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from pydantic import BaseModel, TypeAdapter

from agents_app.search import search_folder
from agents_app.text import normalise
from tests.retrieval import heldout
from sessions_app import actions
from sessions_app.models import Folder
from sessions_app.uploads import check_uploads

DOCS = Path(__file__).resolve().parent.parent / "fixtures" / "docs"
QUESTIONS = Path(__file__).resolve().parent / "questions.json"
SETS = {"original": QUESTIONS, "heldout": heldout.QUESTIONS}


class Question(BaseModel):
    document: str
    question: str
    expected: str  # verbatim words of the passage that answers the question


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # 1-based position of the first hit whose quote holds the expected words, None if absent
    chunk_rank: int | None  # the same for the hit's whole passage
    best_section: str
    best_quote: str

    def found_within(self, k: int) -> bool:
        return self.rank is not None and self.rank <= k


def load_questions(name: str = "original") -> list[Question]:
    return TypeAdapter(list[Question]).validate_json(SETS[name].read_bytes())


def document_bytes(name: str) -> bytes:
    """An original document as stored, or a held-out one built in its format."""
    path = DOCS / name
    return path.read_bytes() if path.exists() else heldout.build(name)


def document_names(questions: list[Question]) -> list[str]:
    return sorted({q.document for q in questions})


def ingest_documents(owner: AbstractBaseUser, names: list[str]) -> Folder:
    """A folder holding the named documents, processed by the pipeline (inline when Celery is eager)."""
    folder = actions.create_folder(owner, name="Retrieval test set")
    files = [SimpleUploadedFile(name, document_bytes(name)) for name in names]
    actions.add_documents(folder, check_uploads(folder, files))
    return folder


def evaluate(folder: Folder, questions: list[Question], k: int) -> list[Outcome]:
    return [_outcome(folder, question, k) for question in questions]


def _outcome(folder: Folder, question: Question, k: int) -> Outcome:
    hits = search_folder(folder.pk, question.question, k=k)
    expected = normalise(question.expected)
    rank = next((i for i, hit in enumerate(hits, 1) if expected in normalise(hit.quote)), None)
    chunk_rank = next((i for i, hit in enumerate(hits, 1) if expected in normalise(hit.chunk.text)), None)
    return Outcome(question, rank, chunk_rank, hits[0].chunk.section if hits else "", hits[0].quote if hits else "")


def hit_rate(outcomes: list[Outcome], k: int) -> float:
    return sum(o.found_within(k) for o in outcomes) / len(outcomes)


def mean_reciprocal_rank(outcomes: list[Outcome]) -> float:
    return sum(1 / o.rank for o in outcomes if o.rank) / len(outcomes)


def passage_hit_rate(outcomes: list[Outcome], k: int) -> float:
    """Like hit_rate, but counting the whole passage rather than its quote."""
    return sum(o.chunk_rank is not None and o.chunk_rank <= k for o in outcomes) / len(outcomes)


def summary(outcomes: list[Outcome], k: int) -> str:
    found = sum(o.found_within(k) for o in outcomes)
    return (f"top-{k} (words in a quote): {found}/{len(outcomes)} = {100 * found / len(outcomes):.1f}%; "
            f"in the passage: {100 * passage_hit_rate(outcomes, k):.1f}%")
