"""Upload rules (SPEC 4): size limit, no empty files, type by content, no duplicate
content in a folder. Every file of a request is checked before anything is stored,
so a rejected upload stores nothing."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from sessions_app.filetypes import UnsupportedType, sniff
from sessions_app.models import Document, Folder
from tutor_project.web.errors import DomainError

MAX_FILES_PER_REQUEST = 20


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    name: str
    size: int
    sha256: str
    kind: str
    mime_type: str


def check_uploads(folder: Folder, files: list[UploadedFile]) -> list[CheckedUpload]:
    if not files:
        raise DomainError("no_files", "Send one or more files in the multipart field 'files'.")
    if len(files) > MAX_FILES_PER_REQUEST:
        raise DomainError("too_many_files", f"At most {MAX_FILES_PER_REQUEST} files per upload.")
    checked = [_check_one(upload) for upload in files]
    _reject_duplicates(folder, checked)
    return checked


def _check_one(upload: UploadedFile) -> CheckedUpload:
    name = (upload.name or "upload").rsplit("/", 1)[-1][:255]
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise DomainError(
            "file_too_large", f"{name} is {upload.size:,} bytes; the limit is {limit:,} bytes.", http_status=413
        )
    if upload.size == 0:
        raise DomainError("empty_file", f"{name} is empty.")
    try:
        file_type = sniff(upload.file, name)
    except UnsupportedType as exc:
        raise DomainError(
            "unsupported_type", f"{name}: {exc}. Accepted: PDF, Word (.docx), Markdown, text, HTML.", http_status=415
        ) from None
    return CheckedUpload(
        file=upload, name=name, size=upload.size, sha256=_sha256(upload),
        kind=file_type.kind, mime_type=file_type.mime_type,
    )


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    return digest.hexdigest()


def _reject_duplicates(folder: Folder, checked: list[CheckedUpload]) -> None:
    seen: dict[str, str] = {}
    for item in checked:
        if item.sha256 in seen:
            raise DomainError(
                "duplicate_document", f"{item.name} has the same content as {seen[item.sha256]} in this upload.",
                http_status=409,
            )
        seen[item.sha256] = item.name
    existing = Document.objects.filter(folder=folder, sha256__in=seen).first()
    if existing is not None:
        raise DomainError(
            "duplicate_document",
            f"This folder already has that content as {existing.original_name} (document {existing.pk}).",
            http_status=409,
        )
