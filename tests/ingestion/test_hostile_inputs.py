"""Damaged files of every kind end in a document or a typed ExtractionError, never anything else."""
import random
import time

import pytest

from agents_app.chunking import chunk
from agents_app.extraction import ExtractedDocument, ExtractionError, extract
from tests.fixtures import pdfgen
from tests.fixtures.docxgen import build_docx

SAMPLES = {
    "pdf": pdfgen.with_outline(
        pdfgen.text_pdf(pdfgen.study_pages(3, lines_per_page=6)), [("Cells", 0, None), ("Energy", 2, None)]
    ),
    "docx": build_docx([("Cells", 1), ("Cells are small.", 0), ("Energy", 2), ("ATP powers cells.", 0)]),
    "markdown": "# Cells\n\nCells are small.\n\n## Energy\n```\ncode\n```\n".encode(),
    "html": b"<html><title>t</title><h1>Cells</h1><p>Cells are <b>small</b>.</p><table><tr><td>a</td></tr></table>",
    "text": "CELLS\n\nCells are small. Größe.\n\n1.1 Energy\n\nATP.".encode(),
}


def _mutations(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    mutated = bytearray(data)
    operation = seed % 4
    if operation == 0:  # flip bytes
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
    elif operation == 1:  # cut anywhere
        del mutated[rng.randrange(1, len(mutated)):]
    elif operation == 2:  # splice in random bytes
        at = rng.randrange(len(mutated))
        mutated[at:at] = rng.randbytes(rng.randint(1, 500))
    else:  # drop a range
        start = rng.randrange(len(mutated))
        del mutated[start:start + rng.randint(1, 2000)]
    return bytes(mutated)


# What damage must at least sometimes produce: the format's own "broken file" code.
DAMAGE_CODES = {
    "pdf": "pdf_corrupt", "docx": "docx_corrupt", "markdown": "not_text", "html": "not_text", "text": "not_text",
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_it_turns_damaged_files_into_a_document_or_a_typed_error(kind):
    outcomes = set()
    for seed in range(40):
        try:
            result = extract(_mutations(SAMPLES[kind], seed), kind)
        except ExtractionError as error:
            outcomes.add(error.code)
        else:
            assert isinstance(result, ExtractedDocument)
            outcomes.add("ok")
    # Every mutation ended in one of the two allowed ways, and damage was noticed.
    assert DAMAGE_CODES[kind] in outcomes


# Inputs that make naive regexes backtrack quadratically: at 200k characters each would take
# minutes; linear code takes milliseconds. The bound only has to separate the two.
PATHOLOGICAL = {
    "markdown heading with a long run of spaces": ("markdown", "# a" + " " * 200_000 + "b\n\nBody."),
    "front matter title with a long run of spaces": ("markdown", "---\ntitle: a" + " " * 200_000 + "b\n---\nx"),
    "a run of dots (table of contents leaders)": ("text", "Contents " + "." * 200_000 + " 5"),
    "a sentence end before a long run of spaces": ("text", "End." + " " * 200_000 + "next"),
    "one unpunctuated line": ("text", "word " * 100_000),
    "deeply nested html": ("html", "<div>" * 50_000 + "text" + "</div>" * 50_000),
}


@pytest.mark.parametrize("kind, text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_it_stays_linear_on_pathological_text(kind, text):
    started = time.perf_counter()
    chunks = chunk(extract(text.encode(), kind))
    assert chunks
    assert time.perf_counter() - started < 5
