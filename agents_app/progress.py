"""Document progress on the channel layer.

The document row is the record; the group message is a doorbell for open tutor
sockets of the folder (they forward it as `document.progress`). Losing one is
harmless: the next one, or the REST API, shows the current state.
"""
from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "document.progress"


def folder_documents_group(folder_id: int) -> str:
    return f"folder-{folder_id}-documents"


def publish_document_progress(*, folder_id: int, document_id: int, stage: str, percent: int, status: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": MESSAGE_TYPE, "document_id": document_id, "stage": stage, "percent": percent, "status": status}
    try:
        async_to_sync(layer.group_send)(folder_documents_group(folder_id), message)
    except Exception:  # a doorbell must never fail the pipeline
        logger.warning("could not publish progress of document %s", document_id, exc_info=True)
