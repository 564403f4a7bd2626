"""The concept test set: hand-written key-concept lists (tests/concepts.json) for every fixture
document, and how the offline analysis measures up to them.

Each document goes through the real extraction and chunking (no database), then the offline
analyzer. Recall: the share of key concepts the analysis names (any spelling listed for one
concept; compared by stemmed content words, so "tectonic plate" matches "tectonic plates").
Junk: the share of named concepts that no teacher would name: led or ended by a stopword,
heading glue (a phrase repeated in itself, "Seafloor Spreading Seafloor spreading"), numbers,
clauses (commas, colons) or more than six words, and one-word fragments of a key phrase
("carbon", "dioxide" from "carbon dioxide") that are not key concepts themselves.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from agents_app import offline
from agents_app.chunking import chunk
from agents_app.extraction import extract
from agents_app.schemas import ChunkRef
from agents_app.text import STOPWORDS, terms, words
from tests.retrieval import heldout

TESTS = Path(__file__).resolve().parent.parent
KEY_CONCEPTS = TESTS / "concepts.json"
ROOT = TESTS.parent
KINDS = {"pdf": "pdf", "docx": "docx", "md": "markdown", "html": "html", "txt": "text"}


@dataclass(frozen=True)
class Scored:
    document: str
    named: list[str]
    key: list[list[str]]  # each key concept with its alternative spellings
    found: list[str]  # key concepts named (first spelling)
    junk: list[str]

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.key)

    @property
    def junk_share(self) -> float:
        return len(self.junk) / len(self.named) if self.named else 0.0


def key_concepts() -> dict[str, list[list[str]]]:
    data = json.loads(KEY_CONCEPTS.read_text(encoding="utf-8"))
    return {doc: [[a.strip() for a in entry.split("|")] for entry in entries]
            for doc, entries in data.items() if not doc.startswith("_")}


def document_chunks(document: str, document_id: int = 1) -> list[ChunkRef]:
    """The document as the analyzer sees it after extraction and chunking."""
    where, name = document.split("/", 1) if not document.startswith("fixtures/") else ("fixtures", document)
    kind = KINDS[name.rsplit(".", 1)[1]]
    if where == "heldout":
        data = heldout.build(name)
    elif where == "demo":
        data = (ROOT / "sessions_app" / "demo" / name).read_bytes()
    else:
        data = (TESTS / document).read_bytes()
    drafts = chunk(extract(data, kind))
    return [ChunkRef(chunk_id=document_id * 1000 + d.order, document_id=document_id, order=d.order, text=d.text,
                     page=d.page, section=d.section or "") for d in drafts]


def score(document: str, key: list[list[str]]) -> Scored:
    named = [c.name for c in offline.analyze(document_chunks(document)).concepts]
    named_keys = {_key(name) for name in named}
    found = [spellings[0] for spellings in key if any(_key(s) in named_keys for s in spellings)]
    key_words = {_key(s) for spellings in key for s in spellings}
    junk = [name for name in named if is_junk(name, key_words)]
    return Scored(document, named, key, found, junk)


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(terms(phrase))


def is_junk(name: str, key_phrases: set[tuple[str, ...]]) -> bool:
    tokens = words(name)
    key = _key(name)
    if not tokens or key in key_phrases:
        return False
    glued = any(key[i:i + n] == key[i + n:i + 2 * n] for n in range(1, len(key) // 2 + 1) for i in range(len(key)))
    fragment = len(key) == 1 and any(len(k) > 1 and key[0] in k for k in key_phrases)
    return (tokens[0] in STOPWORDS or tokens[-1] in STOPWORDS or glued or fragment or len(tokens) > 6
            or bool(re.search(r"[,;:]|\d", name)))
