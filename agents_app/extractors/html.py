"""HTML with the standard library parser: scripts, styles and navigation dropped, h1..h6 as headings."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from agents_app.extractors.sections import SectionBuilder, clean_inline

_SKIP = frozenset({
    "script", "style", "noscript", "template", "nav", "svg", "canvas", "iframe", "object", "select", "button",
})
_BLOCK = frozenset({
    "p", "div", "section", "article", "main", "aside", "header", "footer", "blockquote", "pre", "ul", "ol",
    "dl", "dt", "dd", "table", "caption", "figure", "figcaption", "form", "fieldset", "address", "hr",
    "details", "summary", "body",
})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
# Bold text becomes **Markdown emphasis**: it marks key terms for the analysis, as in Markdown files.
_EMPHASIS = frozenset({"b", "strong"})
_WHITESPACE = re.compile(r"\s+")


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = SectionBuilder()
        self.title: str | None = None
        self._buffer: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._title: list[str] | None = None
        self._skip_depth = 0
        self._pre_depth = 0
        self._line_has_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
            return
        if self._skip_depth:
            return
        self._end_title()  # a title holds only text: any tag ends one left unclosed
        if tag == "title":
            self._title = []
        elif tag in _HEADINGS:
            self._end_block()
            self._heading = (_HEADINGS[tag], [])
        elif tag in _BLOCK:
            self._end_block()
            self._pre_depth += tag == "pre"
        elif tag in ("br", "li"):
            self._new_line("- " if tag == "li" else "")
        elif tag in ("td", "th") and self._line_has_text:
            self._buffer.append(" | ")
        elif tag in _EMPHASIS and self._heading is None:
            self._buffer.append("**")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(self._skip_depth - 1, 0)
        elif self._skip_depth:
            return
        elif tag == "title":
            self._end_title()
        elif tag in _HEADINGS or tag in _BLOCK:
            self._end_block()
            self._pre_depth = max(self._pre_depth - (tag == "pre"), 0)
        elif tag == "tr":
            self._new_line("")
        elif tag in _EMPHASIS and self._heading is None:
            self._buffer.append("**")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._heading is not None:
            self._heading[1].append(data)
        else:
            self._buffer.append(data if self._pre_depth else _WHITESPACE.sub(" ", data))
            self._line_has_text = self._line_has_text or not data.isspace()

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # The stdlib raises AssertionError on an unknown "<![keyword[" section (bad MS Office
        # markup, hostile files); browsers treat it as a bogus comment, and so do we.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)

    def close(self) -> None:
        super().close()
        self._end_title()
        self._end_block()

    def _end_title(self) -> None:
        if self._title is not None:
            self.title = self.title or clean_inline("".join(self._title)) or None
            self._title = None

    def _new_line(self, prefix: str) -> None:
        self._buffer.append("\n" + prefix)
        self._line_has_text = False

    def _end_block(self) -> None:
        if self._heading is not None:
            level, parts = self._heading
            self._heading = None
            self.builder.heading(level, "".join(parts))
        if self._buffer:
            text = "".join(self._buffer)
            self._buffer = []
            self._line_has_text = False
            lines = text.split("\n") if self._pre_depth else (line.strip() for line in text.split("\n"))
            self.builder.paragraph("\n".join(line for line in lines if line.strip()))


def parse_html(text: str) -> tuple[str | None, SectionBuilder]:
    parser = _Extractor()
    parser.feed(text)
    parser.close()
    return parser.title or parser.builder.first_heading, parser.builder
