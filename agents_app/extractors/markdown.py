"""Markdown: ATX (#) and setext (=== / ---) headings give the section path; code fences are kept whole."""
from __future__ import annotations

import re

from agents_app.extractors.sections import SectionBuilder

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_MATTER_TITLE = re.compile(r"^title:(.*)$", re.IGNORECASE)


def parse_markdown(text: str) -> tuple[str | None, SectionBuilder]:
    """(title, sections); the title is the front-matter title or the first heading."""
    lines = text.split("\n")
    title, start = _front_matter(lines)
    builder = SectionBuilder()
    paragraph: list[str] = []
    fence: str | None = None
    for line in lines[start:]:
        if fence is not None:
            paragraph.append(line)
            if line.strip().startswith(fence):
                fence = None
            continue
        if opening := _FENCE.match(line):
            fence = opening.group(1)
            paragraph.append(line)
        elif atx := _ATX.match(line):
            _flush(builder, paragraph)
            builder.heading(len(atx.group(1)), _without_closing_hashes(atx.group(2) or ""))
        elif paragraph and (underline := _SETEXT.match(line)):
            level = 1 if underline.group(1).startswith("=") else 2
            builder.heading(level, " ".join(paragraph))
            paragraph.clear()
        elif line.strip():
            paragraph.append(line)
        else:
            _flush(builder, paragraph)
    _flush(builder, paragraph)
    return title or builder.first_heading, builder


def _flush(builder: SectionBuilder, paragraph: list[str]) -> None:
    builder.paragraph("\n".join(paragraph))
    paragraph.clear()


# Plain string handling below, not regexes with lazy groups: those backtrack quadratically on
# long runs of spaces, which a hostile file can supply.
def _without_closing_hashes(text: str) -> str:
    """'Title ##' -> 'Title' (the optional closing sequence of an ATX heading)."""
    text = text.rstrip()
    bare = text.rstrip("#")
    return bare.rstrip() if bare != text and (not bare or bare[-1] in " \t") else text


def _unquoted(value: str) -> str:
    return value.strip().strip("\"'").strip()


def _front_matter(lines: list[str]) -> tuple[str | None, int]:
    """YAML front matter at the very top: its title, and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return None, 0
    for index, line in enumerate(lines[1:200], start=1):
        if line.strip() in ("---", "..."):
            titles = (_FRONT_MATTER_TITLE.match(candidate) for candidate in lines[1:index])
            return next((_unquoted(m.group(1)) for m in titles if m and _unquoted(m.group(1))), None), index + 1
    return None, 0
