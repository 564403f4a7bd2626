import codecs
import os
import random
from pathlib import Path

import pytest

from agents_app.extraction import Block, extract
from tests.fixtures import pdfgen
from tests.ingestion.refusals import refusal_code

KINDS = ["pdf", "docx", "markdown", "text", "html"]


@pytest.mark.parametrize("kind", KINDS)
def test_it_refuses_a_zero_byte_file_of_any_kind_as_empty(kind):
    assert refusal_code(b"", kind) == "empty"


@pytest.mark.parametrize("kind", ["markdown", "text", "html"])
def test_it_refuses_whitespace_only_text_as_having_no_text(kind):
    assert refusal_code(b"  \n\n\t \n", kind) == "no_text"


@pytest.mark.parametrize("payload", [
    random.Random(1).randbytes(4096),  # random binary
    b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(2048),
    bytes(1000),  # NULs are valid UTF-8 but never text
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8,
])
def test_it_refuses_binary_data_named_as_text(payload):
    assert refusal_code(payload, "text") == "not_text"


MARKDOWN = """---
title: "Biology notes"
---
Intro before any heading.

# Photosynthesis

Plants make food.
They use light.

## Light reactions
Water is split.

Calvin cycle
------------

```python
# a comment, not a heading
def fix(carbon):
    return carbon
```

Respiration
===========
Cells release energy.
"""


def test_it_anchors_markdown_by_atx_and_setext_headings_and_keeps_code_whole():
    doc = extract(MARKDOWN.encode(), "markdown")
    assert doc.title == "Biology notes"
    assert [(b.section, b.text) for b in doc.blocks] == [
        (None, "Intro before any heading."),
        ("Photosynthesis", "Plants make food.\nThey use light."),
        ("Photosynthesis > Light reactions", "Water is split."),
        ("Photosynthesis > Calvin cycle",
         "```python\n# a comment, not a heading\ndef fix(carbon):\n    return carbon\n```"),
        ("Respiration", "Cells release energy."),
    ]


def test_it_titles_markdown_by_its_first_heading_without_front_matter():
    assert extract(b"# Genetics #\n\nGenes code proteins.", "markdown").title == "Genetics"


HTML = """<!doctype html><html><head><title>Cells &amp; energy</title>
<style>h1 { color: red }</style><script>var h2 = "<h2>not a heading</h2>";</script></head>
<body><nav><a href="/">Home</a></nav>
<h1>Cell biology</h1><p>Cells are the <b>units</b>
   of life.</p>
<h2>Membranes</h2><ul><li>lipids</li><li>proteins</li></ul>
<table><tr><th>Part</th><th>Role</th></tr><tr><td>Nucleus</td><td>DNA</td></tr></table>
<h2>Energy</h2><div>ATP&nbsp;powers cells.<br>Mitochondria make it.</div>
<pre>x  =  1
  y = 2</pre>
</body></html>"""


def test_it_anchors_html_by_headings_and_drops_scripts_styles_and_navigation():
    doc = extract(HTML.encode(), "html")
    assert doc.title == "Cells & energy"
    assert [(b.section, b.text) for b in doc.blocks] == [
        ("Cell biology", "Cells are the **units** of life."),
        ("Cell biology > Membranes", "- lipids\n- proteins\n\nPart | Role\nNucleus | DNA"),
        ("Cell biology > Energy", "ATP powers cells.\nMitochondria make it.\n\nx  =  1\n  y = 2"),
    ]


def test_it_survives_unclosed_and_misnested_html():
    doc = extract(b"<title>Notes<h1>Title<p>Body <b>bold <i>both</b> text<h2>Next<div>More", "html")
    assert doc.title == "Notes"
    assert [(b.section, b.text) for b in doc.blocks] == [("Title", "Body **bold both** text"), ("Title > Next", "More")]


def test_it_ignores_titles_inside_dropped_elements():
    doc = extract(b"<svg><title>Icon</title></svg><h1>Cells</h1><p>Small.</p>", "html")
    assert doc.title == "Cells"
    assert [(b.section, b.text) for b in doc.blocks] == [("Cells", "Small.")]


@pytest.mark.parametrize("markup", ["<![foo[ x ]]>", "<![ junk", "<![if !supportLists]>"])
def test_it_skips_marked_sections_the_stdlib_parser_chokes_on(markup):
    doc = extract(f"<h1>Cells</h1>{markup}<p>Body.</p>".encode(), "html")
    assert doc.blocks[-1].text.endswith("Body.")


TEXT = """PHOTOSYNTHESIS

Plants make food from light; naïve “models” cost 5 €.

1.2 Light Reactions

Water is split. Oxygen is released.

Chapter 2 Respiration

Cells release energy.

Energy flow
-----------

A short line that is not a heading because it ends like a sentence.
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "cp1252"])
def test_it_decodes_text_in_common_encodings(encoding):
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    blocks = extract(data, "text").blocks
    assert blocks[0].text == "Plants make food from light; naïve “models” cost 5 €."


def test_it_decodes_latin_1_and_windows_line_endings():
    data = "Größe der Zellen.\r\nÜbung macht den Meister.\r\n".encode("latin-1")
    assert extract(data, "text").blocks[0].text == "Größe der Zellen.\nÜbung macht den Meister."


def test_it_reads_utf8_with_a_damaged_byte_instead_of_refusing_it():
    data = ("Größe und Übung. " * 20).encode() + b"\xff" + " Ende.".encode()
    text = extract(data, "text").blocks[0].text
    assert text.startswith("Größe und Übung.") and text.endswith("\ufffd Ende.")


def test_it_drops_stray_control_characters_that_databases_refuse():
    data = ("Cells divide. " * 100).encode() + b"\x00\x07" + b"Mito\x00sis."
    (block,) = extract(data, "text").blocks
    assert block.text.endswith("divide. Mitosis.") and "\x00" not in block.text
    pdf = extract(pdfgen.text_pdf([["Cell\x00s and\x01 more"]]), "pdf")
    assert pdf.blocks[0].text.strip() == "Cells and more"
    assert Block(text="broken \ud800 pair", section="A\x00B").model_dump() == {
        "text": "broken \ufffd pair", "page": None, "section": "AB",
    }


def test_it_finds_sections_in_plain_text_from_heading_like_lines():
    doc = extract(TEXT.encode(), "text")
    assert doc.title == "PHOTOSYNTHESIS"
    assert [b.section for b in doc.blocks] == [
        "PHOTOSYNTHESIS",
        "PHOTOSYNTHESIS > 1.2 Light Reactions",
        "Chapter 2 Respiration",
        "Chapter 2 Respiration > Energy flow",
    ]
    assert doc.blocks[-1].text.startswith("A short line that is not a heading")


def test_it_keeps_plain_text_without_headings_as_one_unanchored_block():
    doc = extract(b"Just some notes.\n\nAnother paragraph, lower case.\n\n1990 was a year.", "text")
    assert [(b.section, b.text) for b in doc.blocks] == [
        (None, "Just some notes.\n\nAnother paragraph, lower case.\n\n1990 was a year.")
    ]


def test_it_rejects_an_unknown_kind_as_a_programming_error():
    with pytest.raises(ValueError):
        extract(b"data", "xlsx")


def test_it_reports_completion_for_single_step_formats():
    calls = []
    extract(b"Some text.", "text", on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]


def test_it_reads_from_a_path(tmp_path):
    path = tmp_path / "notes.md"
    path.write_bytes(MARKDOWN.encode())
    assert extract(os.fspath(path), "markdown") == extract(MARKDOWN.encode(), "markdown")


def test_it_keeps_an_overlong_heading_as_body_text():
    long_heading = "Photosynthesis " * 20
    doc = extract(f"<h1>Cells</h1><h2>{long_heading}</h2><p>Body.</p>".encode(), "html")
    assert [(b.section, b.text) for b in doc.blocks] == [("Cells", long_heading.strip() + "\n\nBody.")]


def test_it_caps_a_deep_section_path_keeping_its_most_specific_end():
    markdown = "\n".join(f"{'#' * level} Heading level {level} " + "x" * 150 for level in range(1, 7)) + "\n\nBody."
    (block,) = extract(markdown.encode(), "markdown").blocks
    assert len(block.section) == 500
    assert block.section.startswith("…") and block.section.endswith("Heading level 6 " + "x" * 150)


SAMPLE_DOCS = sorted(Path(__file__).parent.parent.joinpath("fixtures", "docs").glob("*.md"))


@pytest.mark.parametrize("path", SAMPLE_DOCS, ids=[p.name for p in SAMPLE_DOCS])
def test_it_anchors_the_sample_study_documents_by_their_headings(path):
    source = path.read_text(encoding="utf-8")
    doc = extract(path, "markdown")
    top = next(line[2:].strip() for line in source.splitlines() if line.startswith("# "))
    subheadings = [line[3:].strip() for line in source.splitlines() if line.startswith("## ")]
    assert doc.title == top
    assert [b.section for b in doc.blocks if b.section != top] == [f"{top} > {h}" for h in subheadings]
