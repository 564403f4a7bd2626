"""PDF with pypdf: blocks anchored by page number and by section.

Sections come from the headings printed on the pages (bigger or bold lines, see pdf_layout);
a document without printed headings takes its sections from its bookmarks, one per page.

Every pypdf call is guarded here because malformed files make it raise almost anything
(KeyError, ValueError, RecursionError...); those become typed errors or learner-readable
warnings, and are logged with their traceback.
"""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

from pypdf import PageObject, PasswordType, PdfReader, apply_configuration
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, Destination

from agents_app.extractors.errors import NoText, PdfCorrupt, PdfEncrypted, PdfTooComplex, TooManyPages
from agents_app.extractors.model import Block, ExtractedDocument, ExtractionLimits, ProgressCallback, section_name
from agents_app.extractors.pdf_layout import Line, PageLines, SectionedPages, body_is_bold, body_size, heading_levels
from agents_app.extractors.progress import ProgressReporter

logger = logging.getLogger(__name__)

_MAX_OUTLINE_DEPTH = 6
# Tighter than pypdf's defaults (75 MB per stream, 5000 form invocations per page): a text
# page's content is kilobytes, and each decoded stream stays cached in the reader.
_MAX_STREAM_BYTES = 16 * 1024 * 1024
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": _MAX_STREAM_BYTES,
    "lzw_maximum_output_length": _MAX_STREAM_BYTES,
    "run_length_maximum_output_length": _MAX_STREAM_BYTES,
    "brotli_maximum_output_length": _MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": _MAX_STREAM_BYTES,
    "xform_maximum_invocations_per_extraction": 500,
}
# Typographic ligatures split words for search ("eﬃcient"); soft hyphens are invisible line-break hints.
_PRINTED_FORMS = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": None}
)


def extract_pdf(data: bytes, limits: ExtractionLimits, on_progress: ProgressCallback | None) -> ExtractedDocument:
    with apply_configuration(**_PYPDF_LIMITS):
        reader = _open(data)
        page_count = _page_count(reader, limits)
        pages, unreadable, blank = _read_pages(reader, page_count, limits, on_progress)
        blocks, first_heading = _blocks(pages)
        blocks = blocks or _blocks_by_bookmark(pages, _page_sections(reader, page_count))
        title = _title(reader) or first_heading
    if len(unreadable) == page_count:
        raise PdfCorrupt()
    if not blocks:
        raise NoText(
            "The PDF has no text layer: it looks like scanned images. Text recognition (OCR) is not "
            "supported; please upload a PDF with selectable text."
        )
    warnings = _warnings(unreadable, blank)
    return ExtractedDocument(kind="pdf", title=title, page_count=page_count, blocks=blocks, warnings=warnings)


def _read_pages(
    reader: PdfReader, page_count: int, limits: ExtractionLimits, on_progress: ProgressCallback | None,
) -> tuple[list[tuple[int, list[Line]]], list[int], int]:
    """((page number, printed lines) of pages with text, numbers of unreadable pages, count of pages without text)."""
    progress = ProgressReporter(on_progress, page_count)
    pages, unreadable, blank, content_bytes = [], [], 0, 0
    for number in range(1, page_count + 1):
        page, size = _page(reader, number)
        content_bytes += size
        if content_bytes > limits.pdf_max_content_bytes:
            raise PdfTooComplex()
        lines = None if page is None else _page_lines(page, number)
        if lines is None:
            unreadable.append(number)
        elif lines:
            pages.append((number, lines))
        else:
            blank += 1
        progress.update(number)
    return pages, unreadable, blank


def _blocks(pages: list[tuple[int, list[Line]]]) -> tuple[list[Block], str | None]:
    """Blocks per page and printed heading, and the first heading; none when the pages print no headings."""
    all_lines = [lines for _, lines in pages]
    levels = heading_levels(all_lines)
    if not levels:
        return [], None
    body = body_size(all_lines)
    reader = SectionedPages(levels, body_is_bold(all_lines, body), body)
    return [block for number, lines in pages for block in reader.blocks(number, lines)], reader.first_heading


def _blocks_by_bookmark(pages: list[tuple[int, list[Line]]], sections: dict[int, str]) -> list[Block]:
    return [Block(text=_paragraphs(lines), page=number, section=sections.get(number)) for number, lines in pages]


def _paragraphs(lines: list[Line]) -> str:
    return "".join(("\n\n" if line.gap_before else "\n") + line.text for line in lines).strip()


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:
        logger.info("unreadable PDF: %s", exc)
        raise PdfCorrupt() from exc
    if encrypted:
        # Files with only an owner password (copy/print restrictions) open with an empty user password.
        try:
            opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except Exception as exc:
            logger.info("PDF encryption not supported: %s", exc)
            raise PdfEncrypted("The PDF uses an encryption we cannot open. Save an unprotected copy.") from exc
        if not opened:
            raise PdfEncrypted()
    return reader


def _page_count(reader: PdfReader, limits: ExtractionLimits) -> int:
    try:
        page_count = len(reader.pages)
    except Exception as exc:
        logger.info("unreadable PDF page tree", exc_info=True)
        raise PdfCorrupt() from exc
    if page_count > limits.max_pages:
        raise TooManyPages(f"The PDF has {page_count} pages; the limit is {limits.max_pages}. Split it into parts.")
    if page_count == 0:
        raise PdfCorrupt("The PDF has no pages.")
    return page_count


def _page(reader: PdfReader, number: int) -> tuple[PageObject | None, int]:
    """The page (None when unreadable) and the decompressed size of its content, checked before parsing."""
    try:
        page = reader.pages[number - 1]
        return page, _content_size(page)
    except Exception as exc:
        _log_unreadable(number, exc)
        return None, 0


def _page_lines(page: PageObject, number: int) -> list[Line] | None:
    """The page's printed lines with their fonts (None when unreadable)."""
    collector = PageLines()
    try:
        page.extract_text(visitor_text=collector.visit)
    except Exception as exc:
        _log_unreadable(number, exc)
        return None
    lines = collector.finish()
    for line in lines:
        line.text = line.text.translate(_PRINTED_FORMS)
    return [line for line in lines if line.text.strip()]


def _log_unreadable(number: int, exc: Exception) -> None:
    # pypdf's own errors describe the damage; anything else may be a pypdf bug: keep its traceback.
    logger.warning("unreadable PDF page %d: %r", number, exc, exc_info=not isinstance(exc, PyPdfError))


def _content_size(page: PageObject) -> int:
    # Decoding here costs nothing extra: the decoded data is cached for extract_text.
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    return sum(len(stream.get_object().get_data()) for stream in streams)


def _title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata else None
    except Exception:
        logger.info("unreadable PDF metadata", exc_info=True)
        return None
    cleaned = " ".join(str(title or "").split())
    return cleaned or None


def _page_sections(reader: PdfReader, page_count: int) -> dict[int, str]:
    """Page number -> bookmark path in force on that page (the last bookmark starting on or before it)."""
    try:
        starts = sorted(_outline_starts(reader, reader.outline, ()), key=lambda item: item[0])
    except Exception:
        logger.info("unreadable PDF outline; pages keep no section", exc_info=True)
        return {}
    sections: dict[int, str] = {}
    current: str | None = None
    pending = iter(starts)
    upcoming = next(pending, None)
    for number in range(1, page_count + 1):
        while upcoming is not None and upcoming[0] <= number:
            current = section_name(upcoming[1])
            upcoming = next(pending, None)
        if current:
            sections[number] = current
    return sections


def _outline_starts(
    reader: PdfReader, items: list[Any], path: tuple[str, ...]
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(1-based start page, title path) for each bookmark, in outline order; nested lists are children."""
    if len(path) >= _MAX_OUTLINE_DEPTH:
        return
    parent: tuple[str, ...] = path
    for item in items:
        if isinstance(item, list):
            yield from _outline_starts(reader, item, parent)
        elif isinstance(item, Destination):
            title = " ".join(str(item.title or "").split())
            index = reader.get_destination_page_number(item)
            parent = (*path, title) if title else path
            if title and index is not None and index >= 0:
                yield index + 1, parent


def _warnings(unreadable: list[int], blank: int) -> list[str]:
    warnings = []
    if unreadable:
        warnings.append(f"{len(unreadable)} page(s) could not be read and were skipped: {_page_list(unreadable)}.")
    if blank:
        warnings.append(f"{blank} page(s) have no text layer (blank or scanned) and were skipped.")
    return warnings


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (" ..." if len(numbers) > 10 else "")
