import functools
import io
import time
import tracemalloc

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from agents_app.extraction import ExtractionLimits, extract
from tests.fixtures import docxgen
from tests.fixtures.docxgen import build_docx, many_members, with_declared_size, with_member
from tests.ingestion.refusals import refusal_code

LESSON = [
    ("Plants make food from light.", 0),
    ("Photosynthesis", 1),
    ("It happens in chloroplasts.", 0),
    ("Light reactions", 2),
    ("Water is split and oxygen released.", 0),
    ("Calvin cycle", 2),
    ("Carbon dioxide is fixed into sugar.", 0),
    ("Respiration", 1),
    ("Cells release energy from glucose.", 0),
]


_code = functools.partial(refusal_code, kind="docx")


def test_it_anchors_each_section_by_its_heading_path():
    doc = extract(build_docx(LESSON), "docx")
    assert [(b.section, b.text) for b in doc.blocks] == [
        (None, "Plants make food from light."),
        ("Photosynthesis", "It happens in chloroplasts."),
        ("Photosynthesis > Light reactions", "Water is split and oxygen released."),
        ("Photosynthesis > Calvin cycle", "Carbon dioxide is fixed into sugar."),
        ("Respiration", "Cells release energy from glucose."),
    ]
    assert doc.page_count is None and all(b.page is None for b in doc.blocks)


def test_it_counts_custom_styles_based_on_a_heading_style_as_headings():
    document = docx.Document()
    chapter = document.styles.add_style("Chapter", WD_STYLE_TYPE.PARAGRAPH)
    chapter.base_style = document.styles["Heading 1"]
    document.add_paragraph("Genetics", style="Chapter")
    document.add_paragraph("Genes code proteins.")
    out = io.BytesIO()
    document.save(out)
    blocks = extract(out.getvalue(), "docx").blocks
    assert [(b.section, b.text) for b in blocks] == [("Genetics", "Genes code proteins.")]


def test_it_keeps_table_text_row_by_row_in_its_section():
    data = build_docx([("Enzymes", 1)], table=[["Enzyme", "Substrate"], ["Amylase", "Starch"]])
    (block,) = extract(data, "docx").blocks
    assert block.section == "Enzymes"
    assert block.text == "Enzyme | Substrate\nAmylase | Starch"


def test_it_takes_the_title_from_properties_then_the_title_style():
    assert extract(build_docx(LESSON, title="Biology 101"), "docx").title == "Biology 101"
    assert extract(build_docx([("Cell Biology", -1), *LESSON]), "docx").title == "Cell Biology"


def test_it_refuses_a_zip_bomb_by_compression_ratio_without_expanding_it():
    bomb = with_member(build_docx(LESSON), "word/media/image1.bin", bytes(20 * 1024 * 1024))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        code = _code(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == "docx_too_large"
    assert peak < 5 * 1024 * 1024
    assert time.perf_counter() - started < 2


def test_it_refuses_a_declared_size_over_the_limit_before_reading_anything():
    data = with_member(build_docx(LESSON), "word/media/big.bin", b"small")
    lying = with_declared_size(data, "word/media/big.bin", 2**32 - 1)
    assert _code(lying) == "docx_too_large"
    assert _code(build_docx(LESSON), limits=ExtractionLimits(docx_max_unpacked_bytes=10_000)) == "docx_too_large"


def test_it_refuses_a_member_hiding_a_bigger_payload_than_declared():
    data = with_member(build_docx(LESSON), "word/media/blob.bin", b"payload " * 50_000)
    assert _code(with_declared_size(data, "word/media/blob.bin", 1_000)) == "docx_corrupt"
    assert _code(with_declared_size(data, "word/media/blob.bin", 900_000)) == "docx_corrupt"


def test_it_refuses_an_archive_with_too_many_parts():
    assert _code(many_members(60), limits=ExtractionLimits(docx_max_members=50)) == "docx_too_large"


@pytest.mark.parametrize("mangle", [
    lambda data: data[: len(data) // 2],  # truncated download
    lambda data: b"PK\x03\x04" + bytes(200),  # zip signature, nothing behind it
    lambda data: many_members(2),  # a valid zip that is not a Word document
    lambda data: with_member(b"", "word/document.xml", b"<w:document><unclosed"),
])
def test_it_refuses_a_broken_archive_as_corrupt(mangle):
    assert _code(mangle(build_docx(LESSON))) == "docx_corrupt"


def test_it_reports_no_text_for_an_empty_document():
    assert _code(build_docx([])) == "no_text"


def test_bold_runs_become_emphasis_that_marks_key_terms():
    data = docxgen.styled_docx([("h1", "Cells"), ("body", "The **cell cycle** is a sequence of stages.")])
    [block] = extract(data, "docx").blocks
    assert block.text == "The **cell cycle** is a sequence of stages."
