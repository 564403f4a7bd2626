import hashlib
import random

import pytest

from agents_app.chunking import chunk, estimate_tokens
from agents_app.extraction import Block, ExtractedDocument, extract
from tests.fixtures import pdfgen

WORDS = "cell membrane enzyme glucose light water oxygen carbon energy protein gene leaf root".split()


def _sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _doc(*blocks: Block, kind: str = "text") -> ExtractedDocument:
    return ExtractedDocument(kind=kind, blocks=list(blocks))


def _flat(text: str) -> str:
    return " " + " ".join(text.split()) + " "


def test_it_keeps_chunks_within_the_target_and_fills_them():
    rng = random.Random(1)
    doc = _doc(Block(text="\n\n".join(_paragraph(rng, 6) for _ in range(30))))
    chunks = chunk(doc, target_tokens=200, overlap_tokens=30)
    assert len(chunks) > 10
    assert all(c.token_estimate <= 200 for c in chunks)
    assert all(c.token_estimate >= 100 for c in chunks[:-1])
    assert [c.order for c in chunks] == list(range(len(chunks)))


def test_it_starts_each_chunk_with_the_end_of_the_one_before():
    rng = random.Random(2)
    doc = _doc(Block(text=_paragraph(rng, 80)))
    chunks = chunk(doc, target_tokens=150, overlap_tokens=40)
    for before, after in zip(chunks, chunks[1:]):
        first_sentence = after.text.split(". ")[0] + "."
        assert first_sentence in before.text and not before.text.startswith(first_sentence)
        shared = next(n for n in range(len(after.text), 0, -1) if before.text.endswith(after.text[:n]))
        assert 0 < estimate_tokens(after.text[:shared]) <= 40


def test_it_overlaps_by_trailing_words_when_the_last_sentence_is_too_long():
    rng = random.Random(8)
    chunks = chunk(_doc(Block(text=_paragraph(rng, 30))), target_tokens=100, overlap_tokens=10)
    for before, after in zip(chunks, chunks[1:]):
        head = " ".join(after.text.split()[:3])
        assert head[0].islower() and head in before.text[-80:]


def test_it_does_not_overlap_when_asked_not_to():
    rng = random.Random(3)
    text = _paragraph(rng, 60)
    chunks = chunk(_doc(Block(text=text)), target_tokens=100, overlap_tokens=0)
    assert _flat(" ".join(c.text for c in chunks)) == _flat(text)


def test_it_never_cuts_words_nor_invents_text():
    rng = random.Random(4)
    text = "\n\n".join(_paragraph(rng, rng.randint(1, 12)) for _ in range(40))
    for target, overlap in [(40, 10), (120, 30), (350, 50)]:
        for piece in chunk(_doc(Block(text=text)), target_tokens=target, overlap_tokens=overlap):
            assert _flat(piece.text) in _flat(text)


def test_it_breaks_at_paragraph_ends_when_paragraphs_fit():
    rng = random.Random(5)
    paragraphs = [_paragraph(rng, 3) for _ in range(12)]  # about 75 tokens each
    chunks = chunk(_doc(Block(text="\n\n".join(paragraphs))), target_tokens=200, overlap_tokens=0)
    assert all(any(c.text.endswith(p) for p in paragraphs) for c in chunks)
    assert all(c.text.startswith(tuple(paragraphs)) for c in chunks)


def test_it_splits_an_oversized_paragraph_at_sentence_ends():
    rng = random.Random(6)
    chunks = chunk(_doc(Block(text=_paragraph(rng, 50))), target_tokens=100, overlap_tokens=30)  # sentences: ~25
    assert len(chunks) > 3
    assert all(c.text.endswith(".") and c.text[0].isupper() for c in chunks)


def test_it_keeps_abbreviations_and_decimals_inside_sentences():
    text = "Enzymes, e.g. amylase, work at pH 7.4 in the body. " * 40
    chunks = chunk(_doc(Block(text=text)), target_tokens=60, overlap_tokens=0)
    assert all(c.text.startswith("Enzymes, e.g. amylase, work at pH 7.4") for c in chunks)


def test_it_falls_back_to_lines_then_words_without_punctuation():
    lines = "\n".join(f"- item {n} glucose oxygen water" for n in range(100))
    chunks = chunk(_doc(Block(text=lines)), target_tokens=50, overlap_tokens=0)
    assert all(c.token_estimate <= 50 for c in chunks)
    assert all(c.text.startswith("- item") and c.text.endswith("water") for c in chunks)
    words = " ".join(["photosynthesis"] * 500)
    chunks = chunk(_doc(Block(text=words)), target_tokens=50, overlap_tokens=0)
    assert all(c.token_estimate <= 50 and set(c.text.split()) == {"photosynthesis"} for c in chunks)


def test_it_cuts_only_a_word_longer_than_a_whole_chunk():
    url = "https://example.org/" + "a" * 3000
    chunks = chunk(_doc(Block(text=f"See {url} now.")), target_tokens=100, overlap_tokens=0)
    assert all(c.token_estimate <= 101 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == f"See{url}now."


def test_it_splits_cjk_text_at_full_stops():
    text = "光合作用是植物利用光能的过程。" * 40
    chunks = chunk(_doc(Block(text=text)), target_tokens=30, overlap_tokens=0)
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)


def test_it_never_merges_across_sections():
    doc = _doc(
        Block(text="Light is absorbed.", section="Photosynthesis"),
        Block(text="Sugar is burnt.", section="Respiration"),
        Block(text="Again light.", section="Photosynthesis"),
    )
    chunks = chunk(doc, target_tokens=300, overlap_tokens=50)
    assert [(c.section, c.text) for c in chunks] == [
        ("Photosynthesis", "Light is absorbed."),
        ("Respiration", "Sugar is burnt."),
        ("Photosynthesis", "Again light."),
    ]


def test_it_lets_pdf_chunks_span_pages_keeping_first_and_last_page():
    pages = [[f"Page {page} line {n} about glucose and oxygen." for n in range(10)] for page in range(1, 6)]
    data = pdfgen.text_pdf(pages)
    chunks = chunk(extract(data, "pdf"), target_tokens=150, overlap_tokens=20)
    assert chunks[0].page == 1 and chunks[-1].page_end == 5
    assert any(c.page_end > c.page for c in chunks)
    for c in chunks:
        assert f"Page {c.page} " in c.text and f"Page {c.page_end} " in c.text
        assert all(f"Page {p} " not in c.text for p in range(1, 6) if not c.page <= p <= c.page_end)


def test_it_keeps_pdf_pages_of_different_bookmarks_apart():
    pages = [[f"Page {page} talks about enzymes."] for page in range(1, 5)]
    data = pdfgen.with_outline(pdfgen.text_pdf(pages), [("Cells", 0, None), ("Energy", 2, None)])
    chunks = chunk(extract(data, "pdf"))
    assert [(c.section, c.page, c.page_end) for c in chunks] == [("Cells", 1, 2), ("Energy", 3, 4)]


def test_it_is_deterministic_with_content_hashes():
    rng = random.Random(7)
    doc = _doc(Block(text=_paragraph(rng, 40), section="A"), Block(text=_paragraph(rng, 40), section="B"))
    first, second = chunk(doc), chunk(doc.model_copy(deep=True))
    assert first == second
    assert all(c.content_hash == hashlib.sha256(c.text.encode()).hexdigest() for c in first)
    assert len({c.content_hash for c in first}) == len(first)


def test_it_returns_nothing_for_a_document_without_text():
    assert chunk(_doc(Block(text="  \n\n  "))) == []


@pytest.mark.parametrize("target, overlap", [(0, 0), (100, 100), (100, -1)])
def test_it_rejects_nonsense_sizes(target, overlap):
    with pytest.raises(ValueError):
        chunk(_doc(Block(text="Text.")), target_tokens=target, overlap_tokens=overlap)


def test_pdf_chunks_never_straddle_printed_sections():
    blocks = [("h1", "Cells")]
    for title in ("Mitosis", "Meiosis"):
        blocks += [("h2", title)] + [("body", f"{title} sentence number {n} about dividing cells.") for n in range(12)]
    chunks = chunk(extract(pdfgen.styled_pdf(pdfgen.laid_out(blocks)), "pdf"), target_tokens=60, overlap_tokens=10)
    assert {c.section for c in chunks} == {"Cells > Mitosis", "Cells > Meiosis"}
    for c in chunks:
        other = "Meiosis" if c.section.endswith("Mitosis") else "Mitosis"
        assert other not in c.text
