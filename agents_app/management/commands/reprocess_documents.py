"""Run documents through the ingestion pipeline again."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents_app.tasks import requeue_stuck_documents
from sessions_app import actions
from sessions_app.models import Document


class Command(BaseCommand):
    help = ("Reprocess documents by id, all failed ones (--failed), or re-enqueue those stuck in a stage "
            "(--stuck, as the scheduled sweep does).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="document ids to process again from the start")
        parser.add_argument("--failed", action="store_true", help="every failed document")
        parser.add_argument("--stuck", action="store_true", help="documents in a stage for too long")
        parser.add_argument("--older-than-minutes", type=int, default=None,
                            help="with --stuck: idle time that counts as stuck (default INGEST_STUCK_MINUTES)")

    def handle(self, *args: object, ids: list[int], failed: bool, stuck: bool, older_than_minutes: int | None,
               **options: object) -> None:
        if not (ids or failed or stuck):
            raise CommandError("name document ids, or use --failed or --stuck")
        if stuck:
            minutes = settings.INGEST_STUCK_MINUTES if older_than_minutes is None else older_than_minutes
            self.stdout.write(f"Re-enqueued {requeue_stuck_documents(minutes)} stuck document(s).")
        documents = Document.objects.filter(pk__in=ids) if ids else Document.objects.none()
        if failed:
            documents = documents | Document.objects.filter(status=Document.Status.FAILED)
        missing = set(ids) - set(documents.values_list("pk", flat=True))
        if missing:
            raise CommandError(f"no documents with ids {sorted(missing)}")
        for document in documents.select_related("folder"):
            actions.reprocess_document(document)
            self.stdout.write(f"Queued document {document.pk} ({document.original_name}).")
