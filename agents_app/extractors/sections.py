"""Turn a stream of headings and paragraphs into one block per section, keyed by heading path."""
from __future__ import annotations

from agents_app.extractors.model import Block, section_name

MAX_HEADING_CHARS = 200


def clean_lines(text: str) -> str:
    """Trailing spaces and outer blank lines removed; indentation kept (it matters in code)."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip("\n")


def clean_inline(text: str) -> str:
    """One line of text with single spaces, e.g. a heading or a table cell."""
    return " ".join(text.split())


class SectionBuilder:
    """Collects paragraphs under the current heading path; a heading closes the section before it."""

    def __init__(self) -> None:
        self._path: list[tuple[int, str]] = []
        self._paragraphs: list[str] = []
        self._blocks: list[Block] = []
        self.first_heading: str | None = None

    def heading(self, level: int, text: str) -> None:
        text = clean_inline(text)
        if len(text) > MAX_HEADING_CHARS:  # body text styled as a heading: keep it as text
            self.paragraph(text)
            return
        if not text:
            return
        self._flush()
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))
        self.first_heading = self.first_heading or text

    def paragraph(self, text: str) -> None:
        cleaned = clean_lines(text)
        if cleaned:
            self._paragraphs.append(cleaned)

    def blocks(self) -> list[Block]:
        self._flush()
        return self._blocks

    def _flush(self) -> None:
        if self._paragraphs:
            section = section_name([title for _, title in self._path])
            self._blocks.append(Block(text="\n\n".join(self._paragraphs), section=section))
            self._paragraphs = []
