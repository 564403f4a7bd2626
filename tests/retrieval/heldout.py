"""The held-out study set: eleven documents written for measuring, never for tuning.

Each document is kept as one source (tests/retrieval/heldout/<name>.src.md: "#"/"##" headings,
paragraphs with **emphasis**, "| a | b |" table rows) and is turned into the format its file
name asks for with the fixture generators: a PDF with printed headings (bigger, bold) and
tables in columns, a Word document with heading styles and a real table, Markdown, HTML, or
plain text with underlined headings. The questions (heldout_questions.json) and the
key-concept lists (tests/concepts.json) were written before anything was measured on them.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from tests.fixtures import docxgen, pdfgen

SOURCES = Path(__file__).resolve().parent / "heldout"
QUESTIONS = Path(__file__).resolve().parent / "heldout_questions.json"

Blocks = list[tuple[str, str]]


def blocks(name: str) -> Blocks:
    """(style, text) of the source: h1, h2, body (with ** emphasis), row."""
    out: Blocks = []
    for part in (SOURCES / f"{name}.src.md").read_text(encoding="utf-8").split("\n\n"):
        part = part.strip()
        if part.startswith("#"):
            hashes, _, title = part.partition(" ")
            out.append((f"h{len(hashes)}", title.strip()))
        elif part.startswith("|"):
            out.extend(("row", " | ".join(c.strip() for c in line.strip().strip("|").split("|")))
                       for line in part.splitlines())
        elif part:
            out.append(("body", " ".join(part.split())))
    return out


def build(file_name: str) -> bytes:
    """The document `file_name` (e.g. "volcanoes.pdf") in its format."""
    name, kind = file_name.rsplit(".", 1)
    parts = blocks(name)
    return _WRITERS[kind](parts)


def _plain(text: str) -> str:
    return text.replace("**", "")


def _pdf(parts: Blocks) -> bytes:
    return pdfgen.styled_pdf(pdfgen.laid_out([(style, _plain(text)) for style, text in parts]))


def _docx(parts: Blocks) -> bytes:
    return docxgen.styled_docx(parts)


def _markdown(parts: Blocks) -> bytes:
    lines, previous = [], ""
    for style, text in parts:
        if style == "row":
            lines.append(f"| {text} |")
            if previous != "row":
                lines.append("|" + "---|" * (text.count("|") + 1))
        else:
            lines.extend(["", f"{'#' * int(style[1])} {text}" if style.startswith("h") else text, ""])
        previous = style
    return "\n".join(lines).encode()


def _html(parts: Blocks) -> bytes:
    out, in_table = ["<html><head><title>Notes</title></head><body><nav>Home | Contents</nav>"], False
    for style, text in parts:
        if style == "row" and not in_table:
            out.append("<table>")
            in_table = True
        elif style != "row" and in_table:
            out.append("</table>")
            in_table = False
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))
        if style == "row":
            out.append("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in text.split("|")) + "</tr>")
        elif style.startswith("h"):
            out.append(f"<{style}>{escaped}</{style}>")
        else:
            out.append(f"<p>{escaped}</p>")
    return "\n".join([*out, "</body></html>"]).encode()


def _text(parts: Blocks) -> bytes:
    lines = []
    for style, text in parts:
        if style.startswith("h"):
            lines.extend([text, ("=" if style == "h1" else "-") * len(text), ""])
        elif style == "row":
            lines.append(text)
        else:
            lines.extend([_plain(text), ""])
    return "\n".join(lines).encode()


_WRITERS = {"pdf": _pdf, "docx": _docx, "md": _markdown, "html": _html, "txt": _text}
