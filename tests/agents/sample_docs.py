"""The sample study texts of tests/fixtures/docs, cut into ChunkRefs by a tiny heading/paragraph splitter,
and a few paragraphs of a subject of their own (PRINTING)."""
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


# A few paragraphs on a subject of their own (names, places, terms), written for the quiz and lesson tests.
PRINTING = [ChunkRef(chunk_id=700 + n, document_id=7, order=n, section=section, text=text) for n, (section, text) in
            enumerate([
                ("Before the press", "For most of history, every book was copied by hand. In medieval Europe this "
                 "work was done mainly by **scribes**, monks and paid copyists. Woodblock printing is a method in which a "
                 "whole page is carved on a block of wood. Around 1040 the craftsman Bi Sheng made movable characters "
                 "from baked clay, and Bi Sheng is honoured in China."),
                ("Gutenberg", "Johannes Gutenberg was a goldsmith from Mainz. Around 1440 he began printing with "
                 "**movable type** across Europe. His **hand mould** cast metal letters, and the hand mould made type cheap. "
                 "Gutenberg also developed an **oil-based ink** that stuck to metal type. The rotary press came later, "
                 "and a rotary press prints on rolls. Johann Fust lent him money; Johann Fust later sued him."),
                ("Consequences", "Printers copied the theses of Martin Luther within weeks, and Martin Luther became "
                 "famous. **Literacy** rose as cheap books appeared across Europe. The **compositor** set each line of "
                 "type, and the compositor locked it into a **forme**."),
                ("Printers", "**William Caxton** set up the first press in England in 1476, and William Caxton printed "
                 "the Canterbury Tales. **Aldus Manutius** printed small editions of the classics, and Aldus Manutius "
                 "made them affordable. **Nicolaus Copernicus** published his book on the planets in 1543; Nicolaus "
                 "Copernicus relied on printed tables that astronomers everywhere could check against each other."),
            ])]
