"""Decide an upload's type from its bytes, never from its name.

Accepted: PDF, DOCX, Markdown, plain text (any common encoding) and HTML. The
name is only used to tell Markdown from plain text, which share their bytes.
"""
from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import charset_normalizer

from sessions_app.models import Document

SNIFF_BYTES = 64 * 1024

MIME_TYPES = {
    Document.Kind.PDF: "application/pdf",
    Document.Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Document.Kind.MARKDOWN: "text/markdown",
    Document.Kind.TEXT: "text/plain",
    Document.Kind.HTML: "text/html",
}

# Signatures of common binary formats we refuse outright (executables, images, archives …).
_BINARY_SIGNATURES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\x89PNG", b"\xff\xd8\xff",
                      b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh", b"\xd0\xcf\x11\xe0")
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


@dataclass(frozen=True)
class FileType:
    kind: str
    mime_type: str


class UnsupportedType(Exception):
    """The content is not one of the accepted types; the message says what it looks like."""


def sniff(stream: BinaryIO, name: str) -> FileType:
    """The type of a non-empty upload; raises UnsupportedType. Leaves the stream at 0."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    try:
        kind = _kind_of(head, stream, name)
    finally:
        stream.seek(0)
    return FileType(kind=kind, mime_type=MIME_TYPES[kind])


def _kind_of(head: bytes, stream: BinaryIO, name: str) -> str:
    if b"%PDF-" in head[:1024]:
        return Document.Kind.PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(stream)
    if head.startswith(_BINARY_SIGNATURES):
        raise UnsupportedType("this looks like a binary file (program, image or archive)")
    text = _decode_head(head)
    if text is None:
        raise UnsupportedType("this is binary data, not text")
    lowered = text[:4096].lstrip().lower().encode("utf-8", "ignore")
    if lowered.startswith(_HTML_MARKERS) or any(marker in lowered for marker in _HTML_MARKERS[1:]):
        return Document.Kind.HTML
    if name.lower().endswith(_MARKDOWN_SUFFIXES):
        return Document.Kind.MARKDOWN
    return Document.Kind.TEXT


def _zip_kind(stream: BinaryIO) -> str:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnsupportedType("this is a damaged ZIP archive") from None
    if "word/document.xml" in names:
        return Document.Kind.DOCX
    raise UnsupportedType("this is a ZIP archive, not a Word document")


def _decode_head(head: bytes) -> str | None:
    """The head as text, or None when it is binary."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return head.decode(encoding, errors="replace")
    if b"\x00" in head:
        return None
    try:
        # A multi-byte character may be cut at the end of the sniffed window.
        return head.decode("utf-8") if len(head) < SNIFF_BYTES else head[:-4].decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        return None
    text = str(best)
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return text if text and printable / len(text) > 0.95 else None
