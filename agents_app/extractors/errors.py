"""Typed extraction failures: a stable `code` for clients and a `reason` a learner can act on."""
from __future__ import annotations

from typing import ClassVar


class ExtractionError(Exception):
    """Base of every failure caused by the file itself; anything else is a bug."""

    code: ClassVar[str] = "extraction_failed"
    default_reason: ClassVar[str] = "The document could not be read."

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        super().__init__(self.reason)


class EmptyFile(ExtractionError):
    code = "empty"
    default_reason = "The file is empty."


class NotText(ExtractionError):
    code = "not_text"
    default_reason = "The file does not contain readable text; it looks like binary data."


class NoText(ExtractionError):
    code = "no_text"
    default_reason = "The document contains no readable text."


class PdfEncrypted(ExtractionError):
    code = "pdf_encrypted"
    default_reason = "The PDF is password protected. Remove the password and upload it again."


class PdfCorrupt(ExtractionError):
    code = "pdf_corrupt"
    default_reason = "The PDF is damaged or incomplete (was the download interrupted?). Try exporting it again."


class PdfTooComplex(ExtractionError):
    code = "pdf_too_complex"
    default_reason = (
        "The PDF's pages hold far more drawing data than their text needs. "
        "Try \"Print to PDF\" to make a simpler copy, or split it into parts."
    )


class TooManyPages(ExtractionError):
    code = "too_many_pages"
    default_reason = "The document has too many pages."


class DocxTooLarge(ExtractionError):
    code = "docx_too_large"
    default_reason = "The Word document expands to too much data to process safely."


class DocxCorrupt(ExtractionError):
    code = "docx_corrupt"
    default_reason = "The Word document is damaged or is not a .docx file. Try saving it again from Word."
