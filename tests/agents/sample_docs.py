"""The sample study texts of tests/fixtures/docs, cut into ChunkRefs by a tiny heading/paragraph splitter."""
from __future__ import annotations

from pathlib import Path

from agents_app.schemas import ChunkRef

DOCS = Path(__file__).resolve().parent.parent / "fixtures" / "docs"
SUBJECTS = {"photosynthesis": 1, "french_revolution": 2, "newtons_laws": 3}


def load_chunks(name: str, *, first_id: int | None = None) -> list[ChunkRef]:
    document_id = SUBJECTS[name]
    next_id = first_id if first_id is not None else document_id * 100
    chunks: list[ChunkRef] = []
    section = ""
    for block in (DOCS / f"{name}.md").read_text().split("\n\n"):
        block = block.strip()
        if block.startswith("#"):
            section = block.lstrip("#").strip()
            continue
        if block:
            chunks.append(ChunkRef(chunk_id=next_id, document_id=document_id, order=len(chunks),
                                   text=block, section=section))
            next_id += 1
    return chunks


def all_chunks() -> list[ChunkRef]:
    return [c for name in SUBJECTS for c in load_chunks(name)]
