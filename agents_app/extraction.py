"""Document text extraction: bytes or a file in, an `ExtractedDocument` or a typed `ExtractionError` out.

Pure Python (no ORM), so the ingestion task calls it between short transactions:

    document = extract(path_or_bytes, "pdf", limits=ExtractionLimits(max_pages=500), on_progress=report)

`kind` is decided by the upload validator from the content. Any problem caused by the file
itself raises an `ExtractionError` subclass with a stable `code` and a learner-readable
`reason`; any other exception is a bug.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from agents_app.extractors.decoding import decode_text
from agents_app.extractors.docx import extract_docx
from agents_app.extractors.errors import (
    DocxCorrupt,
    DocxTooLarge,
    EmptyFile,
    ExtractionError,
    NoText,
    NotText,
    PdfCorrupt,
    PdfEncrypted,
    PdfTooComplex,
    TooManyPages,
)
from agents_app.extractors.html import parse_html
from agents_app.extractors.markdown import parse_markdown
from agents_app.extractors.model import Block, ExtractedDocument, ExtractionLimits, Kind, ProgressCallback
from agents_app.extractors.pdf import extract_pdf
from agents_app.extractors.plaintext import parse_text
from agents_app.extractors.sections import SectionBuilder

__all__ = [
    "Block", "DocxCorrupt", "DocxTooLarge", "EmptyFile", "ExtractedDocument", "ExtractionError",
    "ExtractionLimits", "Kind", "NoText", "NotText", "PdfCorrupt", "PdfEncrypted", "PdfTooComplex",
    "ProgressCallback", "Source", "TooManyPages", "extract",
]

Source = bytes | str | os.PathLike[str] | BinaryIO

_TEXT_PARSERS: dict[str, Callable[[str], tuple[str | None, SectionBuilder]]] = {
    "markdown": parse_markdown,
    "text": parse_text,
    "html": parse_html,
}


def extract(
    source: Source,
    kind: Kind,
    *,
    limits: ExtractionLimits | None = None,
    on_progress: ProgressCallback | None = None,
) -> ExtractedDocument:
    """Text blocks with page or section anchors; `on_progress(done, total)` is called as work advances."""
    limits = limits or ExtractionLimits()
    data = _read(source)
    if not data:
        raise EmptyFile()
    if kind == "pdf":
        return extract_pdf(data, limits, on_progress)
    if kind == "docx":
        document = extract_docx(data, limits)
    elif kind in _TEXT_PARSERS:
        title, builder = _TEXT_PARSERS[kind](decode_text(data))
        document = ExtractedDocument(kind=kind, title=title, blocks=builder.blocks())
    else:
        raise ValueError(f"unknown document kind {kind!r}")
    if not document.blocks:
        raise NoText()
    if on_progress is not None:
        on_progress(1, 1)
    return document


def _read(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    return source.read()
