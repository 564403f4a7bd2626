"""Document text extraction: bytes or a file in, an `ExtractedDocument` or a typed `ExtractionError` out.

Pure Python (no ORM), so the ingestion task calls it between short transactions:

    document = extract(path_or_bytes, "pdf", limits=ExtractionLimits(max_pages=500), on_progress=report)

`kind` is decided by the upload validator from the content. Any problem caused by the file
itself raises an `ExtractionError` subclass with a stable `code` and a learner-readable
`reason`; any other exception is a bug.

Documents are untrusted (SPEC 12): a few kilobytes can decompress to millions of drawing
operators. So the work runs in a forked child process with a CPU-time and an address-space
limit (`ProcessBounds`, from INGEST_EXTRACT_CPU_SECONDS / INGEST_EXTRACT_MEMORY_MB); a
document past them fails with `ExtractionTooCostly` and the worker goes on at once.
"""
from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
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
    "ProcessBounds", "ProgressCallback", "Source", "TooManyPages", "ExtractionTooCostly", "extract",
]

Source = bytes | str | os.PathLike[str] | BinaryIO

_TEXT_PARSERS: dict[str, Callable[[str], tuple[str | None, SectionBuilder]]] = {
    "markdown": parse_markdown,
    "text": parse_text,
    "html": parse_html,
}


class ExtractionTooCostly(ExtractionError):
    code = "too_costly"
    default_reason = (
        "Reading this document needed more time or memory than one document may use; it may be damaged "
        "or built to be slow. Try \"Print to PDF\" to make a simpler copy, or split it into parts."
    )


@dataclass(frozen=True)
class ProcessBounds:
    """What one extraction may cost: CPU seconds and memory (MB) on top of what the process maps."""

    cpu_seconds: int = 120
    memory_mb: int = 1024
    # How much lower the child's CPU priority is than its parent's: a file built to be slow
    # burns its CPU bound on the cores that also serve lessons, and should take only what
    # they leave (measured: a learner's pings waited 0.4-0.8 s during one such PDF).
    niceness: int = 10

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 1024 * 1024

    @property
    def wall_seconds(self) -> float:
        # A child that waits instead of computing (it should never) is stopped too.
        return self.cpu_seconds * 3 + 5


def extract(
    source: Source,
    kind: Kind,
    *,
    limits: ExtractionLimits | None = None,
    on_progress: ProgressCallback | None = None,
    bounds: ProcessBounds | None = None,
) -> ExtractedDocument:
    """Text blocks with page or section anchors; `on_progress(done, total)` is called as work advances.

    Runs in a child process within `bounds` (the edge that calls it passes the operator's)."""
    if kind not in ("pdf", "docx", *_TEXT_PARSERS):
        raise ValueError(f"unknown document kind {kind!r}")
    data = _read(source)
    if not data:
        raise EmptyFile()
    return _in_bounded_child(lambda report: _extract_now(data, kind, limits or ExtractionLimits(), report),
                             bounds or ProcessBounds(), on_progress)


def _extract_now(data: bytes, kind: Kind, limits: ExtractionLimits,
                 on_progress: ProgressCallback | None) -> ExtractedDocument:
    if kind == "pdf":
        return extract_pdf(data, limits, on_progress)
    if kind == "docx":
        document = extract_docx(data, limits)
    else:
        title, builder = _TEXT_PARSERS[kind](decode_text(data))
        document = ExtractedDocument(kind=kind, title=title, blocks=builder.blocks())
    if not document.blocks:
        raise NoText()
    if on_progress is not None:
        on_progress(1, 1)
    return document


Work = Callable[[ProgressCallback], ExtractedDocument]


def _in_bounded_child(work: Work, bounds: ProcessBounds, on_progress: ProgressCallback | None) -> ExtractedDocument:
    """`work` run in a forked child within `bounds`; its progress and its result (or its typed
    error) come back over a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(work, bounds, write_end)
    os.close(write_end)
    outcome = None
    try:
        with os.fdopen(read_end, "rb") as messages:
            watch = _Watch(pid, time.monotonic() + bounds.wall_seconds, _resident_bytes(pid) + bounds.memory_bytes)
            outcome = _follow(messages, watch, on_progress)
    finally:
        if outcome is None:  # out of time, dead, or the parent failed: the child goes now
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if outcome is None:
        raise ExtractionTooCostly()
    return _unpack(outcome)


def _child(work: Work, bounds: ProcessBounds, write_end: int) -> None:
    """Runs in the child: never returns."""
    status = 1
    try:
        os.nice(bounds.niceness)
        resource.setrlimit(resource.RLIMIT_CPU, (bounds.cpu_seconds, bounds.cpu_seconds + 1))
        # The parent watches resident memory; this is the backstop should growth outrun its look.
        mapped = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (mapped + 2 * bounds.memory_bytes,) * 2)
        with os.fdopen(write_end, "wb") as out:
            def report(done: int, total: int) -> None:
                pickle.dump(("progress", done, total), out)
                out.flush()

            pickle.dump(_outcome(work, report), out)
        status = 0
    finally:
        os._exit(status)


def _outcome(work: Work, report: ProgressCallback) -> tuple:
    try:
        return ("done", work(report))
    except ExtractionError as exc:
        return ("error", type(exc), exc.reason)
    except MemoryError:
        return ("error", ExtractionTooCostly, None)
    except Exception as exc:  # a bug: told to the parent, which raises it as one
        return ("bug", f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class _Watch:
    pid: int
    deadline: float
    max_resident_bytes: int

    def exceeded(self) -> bool:
        return time.monotonic() > self.deadline or _resident_bytes(self.pid) > self.max_resident_bytes


WATCH_SECONDS = 0.2  # how often the child's memory is looked at while it works


def _resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * resource.getpagesize()
    except (FileNotFoundError, ProcessLookupError):
        return 0


def _follow(messages, watch: _Watch, on_progress: ProgressCallback | None) -> tuple | None:  # type: ignore[no-untyped-def]
    """The child's final message, passing its progress on; None when it died or went past its bounds."""
    while True:
        readable = select.select([messages], [], [], WATCH_SECONDS)[0]
        if watch.exceeded():
            return None
        if not readable:
            continue
        try:
            message = pickle.load(messages)
        except (EOFError, pickle.UnpicklingError):
            return None
        if message[0] != "progress":
            return message
        if on_progress is not None:
            on_progress(message[1], message[2])


def _unpack(outcome: tuple) -> ExtractedDocument:
    if outcome[0] == "done":
        return outcome[1]
    if outcome[0] == "error":
        raise outcome[1](outcome[2])
    raise RuntimeError(f"extraction failed in its child process: {outcome[1]}")


def _read(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    return source.read()
