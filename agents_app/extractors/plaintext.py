"""Plain text: paragraphs split on blank lines; isolated heading-like lines start sections.

A line counts as a heading only when it stands alone (blank lines around it), is short, does
not end like a sentence, and is underlined, numbered ("2.1 Light reactions"), introduced by
a word such as "Chapter", or written in capitals. Anything less certain stays body text.
"""
from __future__ import annotations

import re

from agents_app.extractors.sections import SectionBuilder

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_UNDERLINE = re.compile(r"^(=+|-+)$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\w)")
_KEYWORD = re.compile(r"^(chapter|part|unit|module|lesson|section|appendix)\b", re.IGNORECASE)
_MAX_HEADING_CHARS = 80
_MAX_HEADING_WORDS = 10


def parse_text(text: str) -> tuple[str | None, SectionBuilder]:
    builder = SectionBuilder()
    title = None
    for index, paragraph in enumerate(_PARAGRAPH_BREAK.split(text)):
        level, heading = _heading(paragraph.strip().split("\n"))
        if level:
            builder.heading(level, heading)
            title = title or (heading if index == 0 else None)
        else:
            builder.paragraph(paragraph)
    return title, builder


def _heading(lines: list[str]) -> tuple[int, str]:
    """(level, text) when the paragraph is a heading, else (0, '')."""
    if len(lines) == 2 and _UNDERLINE.match(lines[1].strip()) and _is_short(lines[0]):
        return (1 if lines[1].strip().startswith("=") else 2), lines[0].strip()
    if len(lines) != 1 or not _is_short(lines[0]):
        return 0, ""
    line = lines[0].strip()
    if (numbered := _NUMBERED.match(line)) and numbered.group(2).isupper():
        return numbered.group(1).count(".") + 1, line
    if _KEYWORD.match(line) or (line.isupper() and sum(c.isalpha() for c in line) >= 3):
        return 1, line
    return 0, ""


def _is_short(line: str) -> bool:
    line = line.strip()
    return (
        0 < len(line) <= _MAX_HEADING_CHARS
        and len(line.split()) <= _MAX_HEADING_WORDS
        and not line.endswith((".", ",", ";", ":", "!", "?"))
    )
