"""The embedded default's signing key: random, made on first start, kept in the data folder.

No key stands in the source (anyone who read it could sign tokens for any user). The
file is readable by its owner only and is written whole before it appears, so a Daphne
process and a worker starting at the same moment agree on one key.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "secret_key"


def embedded_secret_key(data_dir: Path) -> str:
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        _create(path)
    return path.read_text().strip()


def _create(path: Path) -> None:
    draft = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(64))
    try:
        os.link(draft, path)  # atomic, and fails if another process made the key first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
