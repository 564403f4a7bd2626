"""Document progress for the learner's open tutor sockets.

The document row is the record; each report is also logged as a `document.progress` event
in the folder's active tutor sessions (sessions_app.actions), which rings their sockets on
any process and replays to one that reconnects. Losing a report is harmless: the next one,
or the REST API, shows the current state.
"""
from __future__ import annotations

import logging

from sessions_app.actions import record_document_progress

logger = logging.getLogger(__name__)


def publish_document_progress(*, folder_id: int, document_id: int, stage: str, percent: int, status: str) -> None:
    try:
        record_document_progress(folder_id, document_id=document_id, stage=stage, percent=percent, status=status)
    except Exception:  # a progress report must never fail the pipeline
        logger.warning("could not report progress of document %s", document_id, exc_info=True)
