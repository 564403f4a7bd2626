import functools
import io
import time

import pytest

from agents_app.extraction import ExtractionError, ExtractionLimits, extract
from tests.fixtures import pdfgen
from tests.ingestion.refusals import refusal_code

_code = functools.partial(refusal_code, kind="pdf")


def _pdf(page_count: int = 3) -> bytes:
    return pdfgen.text_pdf(pdfgen.study_pages(page_count, lines_per_page=5))


def test_it_extracts_each_page_with_its_1_based_page_anchor():
    data = pdfgen.text_pdf([["Photosynthesis uses light."], ["Respiration releases energy."]])
    doc = extract(data, "pdf")
    assert doc.page_count == 2
    assert [(b.page, b.text.strip()) for b in doc.blocks] == [
        (1, "Photosynthesis uses light."),
        (2, "Respiration releases energy."),
    ]


def test_it_extracts_a_500_page_pdf_with_500_page_anchors_quickly():
    data = pdfgen.text_pdf([[f"Page {n} covers enzymes."] for n in range(1, 501)])
    started = time.perf_counter()
    doc = extract(data, "pdf")
    elapsed = time.perf_counter() - started
    assert doc.page_count == 500
    assert [b.page for b in doc.blocks] == list(range(1, 501))
    assert doc.blocks[499].text.strip() == "Page 500 covers enzymes."
    assert elapsed < 20  # generous: shared CI cores; the benchmark measures speed properly


def test_it_spells_out_ligatures_so_words_stay_searchable():
    data = pdfgen.text_pdf([["Ef\x01cient use of \x01bre."]], fi_ligature=True)
    assert extract(data, "pdf").blocks[0].text.strip() == "Efficient use of fibre."


def test_it_refuses_a_password_protected_pdf():
    assert _code(pdfgen.encrypted_pdf(_pdf())) == "pdf_encrypted"


def test_it_opens_a_pdf_restricted_only_by_an_owner_password():
    doc = extract(pdfgen.encrypted_pdf(_pdf(), user_password=""), "pdf")
    assert doc.page_count == 3 and len(doc.blocks) == 3


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_it_refuses_a_truncated_pdf_as_corrupt(keep):
    assert _code(pdfgen.truncated(_pdf(), keep)) == "pdf_corrupt"


@pytest.mark.parametrize("data", [b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF", b"not a pdf at all"])
def test_it_refuses_garbage_as_a_corrupt_pdf(data):
    assert _code(data) == "pdf_corrupt"


def test_it_refuses_a_scanned_pdf_without_text_layer_and_says_ocr_is_unsupported():
    with pytest.raises(ExtractionError) as caught:
        extract(pdfgen.image_only_pdf(3), "pdf")
    assert caught.value.code == "no_text"
    assert "OCR" in caught.value.reason


def test_it_skips_pages_without_text_and_warns():
    text_pages = pdfgen.text_pdf([["Cells divide by mitosis."]])
    mixed = pdfgen.concatenated(text_pages, pdfgen.image_only_pdf(2))
    doc = extract(mixed, "pdf")
    assert doc.page_count == 3
    assert [b.page for b in doc.blocks] == [1]
    assert any("2 page(s) have no text" in warning for warning in doc.warnings)


def test_it_enforces_the_page_limit_before_extracting():
    assert _code(_pdf(4), limits=ExtractionLimits(max_pages=3)) == "too_many_pages"
    assert extract(_pdf(3), "pdf", limits=ExtractionLimits(max_pages=3)).page_count == 3


def test_it_refuses_a_pdf_whose_pages_expand_past_the_content_budget_before_parsing_them():
    data = pdfgen.padded_pdf([["Cells."]] * 6, padding=300_000)
    assert len(data) < 20_000
    assert _code(data, limits=ExtractionLimits(pdf_max_content_bytes=1_000_000)) == "pdf_too_complex"
    assert len(extract(data, "pdf", limits=ExtractionLimits(pdf_max_content_bytes=2_000_000)).blocks) == 6


def test_it_skips_a_page_whose_content_is_a_decompression_bomb():
    bomb = pdfgen.padded_pdf([["Bomb page."]], padding=20 * 1024 * 1024)
    doc = extract(pdfgen.concatenated(pdfgen.text_pdf([["Cells divide."]]), bomb), "pdf")
    assert [(b.page, b.text.strip()) for b in doc.blocks] == [(1, "Cells divide.")]
    assert doc.warnings == ["1 page(s) could not be read and were skipped: 2."]


def test_it_uses_bookmarks_as_section_anchors_for_pages():
    data = pdfgen.with_outline(_pdf(5), [("Cells", 0, None), ("Membranes", 2, 0), ("Energy", 4, None)])
    doc = extract(data, "pdf")
    assert [(b.page, b.section) for b in doc.blocks] == [
        (1, "Cells"), (2, "Cells"), (3, "Cells > Membranes"), (4, "Cells > Membranes"), (5, "Energy"),
    ]


def test_it_reads_the_title_from_the_metadata():
    assert extract(pdfgen.with_title(_pdf(1), "  Cell   Biology "), "pdf").title == "Cell Biology"
    assert extract(_pdf(1), "pdf").title is None


def test_it_reports_progress_up_to_the_page_count_at_most_once_per_percent():
    calls = []
    extract(pdfgen.text_pdf([["x y z."]] * 250), "pdf", on_progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (250, 250)
    assert {total for _, total in calls} == {250}
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert len(calls) <= 101


def test_it_reads_a_path_and_a_file_object_like_bytes(tmp_path):
    data = _pdf(2)
    path = tmp_path / "notes.pdf"
    path.write_bytes(data)
    expected = extract(data, "pdf")
    assert extract(path, "pdf") == expected
    assert extract(str(path), "pdf") == expected
    assert extract(io.BytesIO(data), "pdf") == expected



def _handout() -> bytes:
    return pdfgen.styled_pdf(pdfgen.laid_out([
        ("h1", "Plate Tectonics"),
        ("h2", "1. Seafloor Spreading"),
        ("body", "Seafloor spreading is the process by which new oceanic crust forms at mid-ocean ridges."),
        ("h2", "2. Volcano Types"),
        ("row", "Volcano type | Slope | Eruption style"),
        ("row", "Shield | Gentle | Effusive"),
        ("bold", "Hotspots"),
        ("body", "A hotspot is a plume of hot mantle rock under a plate."),
    ]))


def test_printed_headings_become_section_anchors_and_never_text():
    doc = extract(_handout(), "pdf")
    assert doc.title == "Plate Tectonics"  # no title in the metadata: the first heading
    assert [(b.page, b.section) for b in doc.blocks] == [
        (1, "Plate Tectonics > 1. Seafloor Spreading"),
        (1, "Plate Tectonics > 2. Volcano Types"),
        (1, "Plate Tectonics > 2. Volcano Types > Hotspots"),
    ]
    assert doc.blocks[0].text.startswith("Seafloor spreading is the process")
    assert not any("Seafloor Spreading" in b.text or "Hotspots" in b.text for b in doc.blocks)


def test_printed_table_rows_stay_rows_with_their_cells_apart():
    doc = extract(_handout(), "pdf")
    assert doc.blocks[1].text.splitlines() == ["Volcano type | Slope | Eruption style", "Shield | Gentle | Effusive"]


def test_a_pdf_without_printed_headings_keeps_its_text_and_paragraphs():
    doc = extract(pdfgen.text_pdf([["Cells divide.", "They grow."]]), "pdf")
    assert [(b.section, b.text) for b in doc.blocks] == [(None, "Cells divide.\nThey grow.")]


def test_a_heading_at_the_foot_of_a_page_anchors_the_text_on_the_next():
    data = pdfgen.styled_pdf([
        [("h1", "Cells"), ("body", "Cells are the units of life."), ("h2", "Mitosis")],
        [("body", "Mitosis divides the nucleus.")],
    ])
    assert [(b.page, b.section, b.text) for b in extract(data, "pdf").blocks] == [
        (1, "Cells", "Cells are the units of life."),
        (2, "Cells > Mitosis", "Mitosis divides the nucleus."),
    ]
