"""A PDF page's text as printed lines with their font, so headings are read as a teacher reads them.

pypdf's text visitor reports every piece of text with its font, size and position. Pieces on
one baseline make a line; a wide horizontal gap between pieces is a table column (kept as
" | ", like the other formats' table rows); a vertical gap bigger than the line's own leading
is a paragraph break. Headings are lines printed bigger than the body text, or wholly in
bold while the body is not, that read like titles (short, not ending like a sentence).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agents_app.extractors.model import Block, section_name

_HEADING_RATIO = 1.15  # a heading is printed at least this much bigger than the body text
_MAX_HEADING_CHARS = 120
_MAX_HEADING_LINES = 3
_COLUMN_GAP_EMS = 2.5  # a gap this wide (in font sizes) between pieces of one line separates table cells
_AVERAGE_GLYPH_EMS = 0.6  # Helvetica-like text: a generous width estimate keeps justified prose one cell
_PARAGRAPH_GAP = 1.6  # a baseline drop this many font sizes or more starts a new paragraph
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_SENTENCE_END = (".", ",", ";", "!", "?")


@dataclass
class Line:
    text: str = ""
    size: float = 0.0
    bold_chars: int = 0
    chars: int = 0
    y: float | None = None
    gap_before: bool = False  # a paragraph break precedes it

    @property
    def bold(self) -> bool:
        return self.chars > 0 and self.bold_chars == self.chars


@dataclass
class PageLines:
    """Collects the visitor's pieces of one page (recorded as they come, the cheap part of a
    callback made for every piece of text) and turns them into lines at the end."""

    _pieces: list[tuple[str, float, float, float, Any]] = field(default_factory=list)  # text, size, x, y, font

    def visit(self, text: str, cm: Any, tm: Any, font: Any, font_size: float) -> None:
        if not text:
            return
        # The vertical scale of text and page matrices; math.hypot covers rotated text too.
        scale = (abs(tm[3]) if not tm[2] else math.hypot(tm[2], tm[3])) * (
            abs(cm[3]) if not cm[2] else math.hypot(cm[2], cm[3]))
        size = round(font_size * (scale or 1.0), 1)
        self._pieces.append((text, size, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], font))

    def finish(self) -> list[Line]:
        lines: list[Line] = []
        bold_fonts: dict[int, bool] = {}  # the page's font dictionaries live while it is read
        line, end_x = Line(), 0.0
        for text, size, x, y, font in self._pieces:
            for index, part in enumerate(text.split("\n")):
                if index:
                    _close(line, lines)
                    line, end_x = Line(), 0.0
                if not part or part.isspace():
                    continue
                if line.chars and x - end_x > _COLUMN_GAP_EMS * size:
                    line.text, part = line.text.rstrip() + " | ", part.lstrip()
                line.y = y if line.y is None else line.y
                line.text += part
                visible = len(part) - part.count(" ")
                if (bold := bold_fonts.get(id(font))) is None:
                    bold = bold_fonts[id(font)] = _is_bold(font)
                line.chars += visible
                line.bold_chars += visible if bold else 0
                line.size = max(line.size, size)
                end_x = x + len(part) * size * _AVERAGE_GLYPH_EMS
        _close(line, lines)
        return lines


def _close(line: Line, lines: list[Line]) -> None:
    """Add the line if it holds text, marking a paragraph break when it sits well below the last."""
    if not line.text.strip():
        return
    line.text = " ".join(line.text.split())
    last = lines[-1].y if lines else None
    if last is not None and line.y is not None:
        line.gap_before = last - line.y > _PARAGRAPH_GAP * max(line.size, 1.0)
    lines.append(line)


def _is_bold(font: Any) -> bool:
    try:
        name = str(font.get("/BaseFont", "")) if font is not None else ""
    except Exception:  # a damaged font dictionary is not bold
        return False
    return bool(_BOLD_NAME.search(name))


def body_size(pages: Iterable[list[Line]]) -> float:
    """The size most of the text is printed in (by characters)."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += line.chars
    return sizes.most_common(1)[0][0] if sizes else 0.0


def body_is_bold(pages: Iterable[list[Line]], size: float) -> bool:
    bold = plain = 0
    for lines in pages:
        for line in lines:
            if line.size == size:
                bold += line.bold_chars
                plain += line.chars - line.bold_chars
    return bold > plain


def heading_levels(pages: list[list[Line]]) -> dict[float, int]:
    """Heading level by font size: the biggest heading size is level 1; bold body-size lines come last.

    Empty when the document shows no headings (every line the same, e.g. a plain text dump)."""
    body = body_size(pages)
    bold_body = body_is_bold(pages, body)
    sizes = {line.size for lines in pages for line in lines if _looks_like_heading(line, body, bold_body)}
    ranked = sorted(sizes, reverse=True)
    return {size: level for level, size in enumerate(ranked, start=1)}


def _looks_like_heading(line: Line, body: float, bold_body: bool) -> bool:
    text = line.text
    if len(text) > _MAX_HEADING_CHARS or not any(c.isalpha() for c in text) or "|" in text:
        return False
    if line.size >= body * _HEADING_RATIO:  # "What is a volcano?" is a heading; a sentence in big print is not
        return not text.endswith((".", ",", ";"))
    return line.bold and not bold_body and line.size >= body * 0.95 and not text.endswith(_SENTENCE_END)


@dataclass
class _Page:
    """The blocks of one page: its paragraphs since the last heading become one block."""

    number: int
    blocks: list[Block] = field(default_factory=list)
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])

    def add(self, line: Line) -> None:
        if line.gap_before and self.paragraphs[-1]:
            self.paragraphs.append([])
        self.paragraphs[-1].append(line.text)

    def close(self, section: str | None) -> None:
        text = "\n\n".join("\n".join(p) for p in self.paragraphs if p)
        if text.strip():
            self.blocks.append(Block(text=text, page=self.number, section=section))
        self.paragraphs = [[]]


class SectionedPages:
    """Turns each page's lines into blocks anchored by page and heading path; a heading is never text."""

    def __init__(self, levels: dict[float, int], bold_body: bool, body: float) -> None:
        self._levels = levels
        self._bold_body = bold_body
        self._body = body
        self._path: list[tuple[int, str]] = []
        self.first_heading: str | None = None

    def blocks(self, number: int, lines: list[Line]) -> list[Block]:
        page = _Page(number)
        heading: list[str] = []
        heading_level = 0
        for line in lines:
            level = self._level(line)
            # A heading printed on two lines is one heading; anything else ends it.
            wrapped = level == heading_level and not line.gap_before and len(heading) < _MAX_HEADING_LINES
            if heading and not (level and wrapped):
                self._enter(heading_level, " ".join(heading))
                heading = []
            if level:
                if not heading:
                    page.close(self.section)
                heading.append(line.text)
                heading_level = level
            else:
                page.add(line)
        if heading:
            self._enter(heading_level, " ".join(heading))
        page.close(self.section)
        return page.blocks

    @property
    def section(self) -> str | None:
        return section_name([title for _, title in self._path])

    def _level(self, line: Line) -> int:
        if not self._levels or not _looks_like_heading(line, self._body, self._bold_body):
            return 0
        return self._levels.get(line.size, 0)

    def _enter(self, level: int, title: str) -> None:
        self.first_heading = self.first_heading or title
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, title))
