"""What extraction produces and the limits it enforces (typed, serialisable, no ORM)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Kind = Literal["pdf", "docx", "markdown", "text", "html"]
ProgressCallback = Callable[[int, int], None]

SECTION_SEPARATOR = " > "
MAX_SECTION_CHARS = 500  # what a stored chunk's section anchor holds

_UNSTORABLE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]+")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _storable(text: str) -> str:
    """Text any database and JSON encoder accepts: PostgreSQL refuses NUL, UTF-8 refuses lone surrogates.

    Damaged PDFs and text files produce both; they carry no meaning, so they go here, once.
    """
    return _LONE_SURROGATE.sub("\ufffd", _UNSTORABLE_CONTROL.sub("", text))


StorableText = Annotated[str, AfterValidator(_storable)]


class Block(BaseModel):
    """A run of text with one anchor: a PDF page, or the heading path of a section."""

    model_config = ConfigDict(frozen=True)

    text: StorableText
    page: int | None = Field(default=None, ge=1, description="1-based PDF page.")
    section: StorableText | None = Field(
        default=None, description="Heading path, e.g. 'Photosynthesis > Light reactions'."
    )


class ExtractedDocument(BaseModel):
    """A document's text in reading order, as blocks with anchors; at least one block."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    title: StorableText | None = None
    page_count: int | None = Field(default=None, description="PDF only.")
    blocks: list[Block]
    # Problems that did not stop extraction, worded for the learner (e.g. pages skipped).
    warnings: list[str] = Field(default_factory=list)


class ExtractionLimits(BaseModel):
    """Guards against hostile files; the pipeline builds these from settings."""

    model_config = ConfigDict(frozen=True)

    max_pages: int = Field(default=2000, ge=1)
    # Decompressed page content streams, summed over the document: a 500-page textbook needs
    # tens of MB; a small hostile file can expand to gigabytes of operators to parse.
    pdf_max_content_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
    docx_max_unpacked_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    docx_max_ratio: float = Field(default=100.0, gt=1)
    docx_max_members: int = Field(default=5000, ge=1)


def section_name(path: list[str] | tuple[str, ...]) -> str | None:
    """The heading path as one anchor; when too long, its deepest (most specific) end is kept."""
    name = SECTION_SEPARATOR.join(path)
    if len(name) > MAX_SECTION_CHARS:
        name = "…" + name[-(MAX_SECTION_CHARS - 1):]
    return name or None
